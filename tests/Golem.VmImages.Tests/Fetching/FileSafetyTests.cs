using Golem.VmImages.Fetching;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>
/// A symbolic link planted where the fetcher writes, the race: a link planted at the final name after <see cref="FileSafety.EnsureNotLink"/> checked it.
/// <see cref="FileSafety.MoveNoReplace"/> relies on <see cref="File.Move(string, string, bool)"/> with
/// <c>overwrite: false</c> refusing any existing entry, a dangling link included (on Linux it is <c>link()</c> then
/// <c>unlink()</c>, and <c>link()</c> never follows nor replaces the new path). These tests pin that down.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileSafetyTests
{
    private string _root = null!;

    [SetUp]
    public void CreateDirectory() => _root = Directory.CreateTempSubdirectory("gvmi-safety-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_root, recursive: true);

    [Test]
    public void FileMove_NoOverwriteOntoDanglingLink_FailsAndLeavesBothInPlace()
    {
        var source = Path.Combine(_root, "verified");
        File.WriteAllText(source, "image");
        var final = Path.Combine(_root, "final");
        var target = Path.Combine(_root, "does-not-exist-yet");
        File.CreateSymbolicLink(final, target);

        Assert.Throws<IOException>(() => File.Move(source, final, overwrite: false));

        Assert.That(new FileInfo(final).LinkTarget, Is.EqualTo(target));
        Assert.That(File.Exists(target), Is.False, "nothing was written through the link");
        Assert.That(File.ReadAllText(source), Is.EqualTo("image"));
    }

    [Test]
    public void FileMove_NoOverwriteOntoLinkToFile_FailsAndTargetUntouched()
    {
        var source = Path.Combine(_root, "verified");
        File.WriteAllText(source, "image");
        var victim = Path.Combine(_root, "victim");
        File.WriteAllText(victim, "precious");
        var final = Path.Combine(_root, "final");
        File.CreateSymbolicLink(final, victim);

        Assert.Throws<IOException>(() => File.Move(source, final, overwrite: false));

        Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"));
        Assert.That(new FileInfo(final).LinkTarget, Is.EqualTo(victim));
    }

    [Test]
    public void MoveNoReplace_LinkAtDestination_RefusedNamingTheLink()
    {
        var source = Path.Combine(_root, "verified");
        File.WriteAllText(source, "image");
        var final = Path.Combine(_root, "final");
        File.CreateSymbolicLink(final, Path.Combine(_root, "nowhere"));

        var ex = Assert.Throws<IOException>(() => FileSafety.MoveNoReplace(source, final));

        Assert.That(ex!.Message, Does.Contain(final).And.Contain("symbolic link"));
        Assert.That(File.Exists(source), Is.True);
    }

    [Test]
    public void CreateExclusive_DanglingLinkPlantedAfterCheck_OpenFailsWithoutCreatingTarget()
    {
        // FileMode.CreateNew is O_CREAT | O_EXCL, which fails on any existing entry and never follows a link.
        var path = Path.Combine(_root, "partial");
        var target = Path.Combine(_root, "target");
        File.CreateSymbolicLink(path, target);

        Assert.Throws<IOException>(() => new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite).Dispose());

        Assert.That(File.Exists(target), Is.False);
    }

    [Test]
    public void OpenExisting_ReadOnlyPartialLeftByKilledProcess_ReopenedWritable()
    {
        // Root ignores the mode, so the test checks it: as any other user a 0444 partial cannot be opened for writing,
        // and the next fetch after a kill between "made read-only" and "renamed" would fail on every run.
        var path = Path.Combine(_root, "partial");
        File.WriteAllText(path, "verified bytes");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using (var stream = FileSafety.OpenExisting(path))
        {
            Assert.That(stream.CanWrite, Is.True);
        }

        Assert.That(File.GetUnixFileMode(path) & UnixFileMode.UserWrite, Is.EqualTo(UnixFileMode.UserWrite));
    }
}
