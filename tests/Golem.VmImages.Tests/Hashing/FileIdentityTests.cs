using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary><see cref="FileIdentity"/>: the same for a path and an open handle, and changed by a rewrite that hides from length and modification time.</summary>
public sealed class FileIdentityTests
{
    private string _directory = null!;
    private string _file = null!;

    [SetUp]
    public async Task SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-identity-").FullName;
        _file = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(_file, new byte[4096]);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Of_PathAndOpenHandle_AreEqual()
    {
        using var handle = File.OpenHandle(_file);

        var byHandle = FileIdentity.Of(_file, handle);
        var byPath = FileIdentity.Of(Path.Combine(_directory, ".", "image.gvmi"));

        Assert.That(byPath, Is.EqualTo(byHandle));
        Assert.That(byPath.FullPath, Is.EqualTo(_file));
        Assert.That(byPath.Length, Is.EqualTo(4096));
        Assert.That(byPath.LastWriteTimeUtc, Is.EqualTo(new DateTimeOffset(File.GetLastWriteTimeUtc(_file))));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Of_Path_OnLinux_ReadsDeviceInodeAndChangeTime()
    {
        var identity = FileIdentity.Of(_file);

        Assert.That(identity.Inode, Is.Not.Zero);
        Assert.That(identity.ChangeTimeNanoseconds, Is.GreaterThan(0));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Of_AfterARewriteWithTheOldModificationTime_DiffersWhereLengthAndTimeAgree()
    {
        var before = FileIdentity.Of(_file);

        await FileRewrite.SameLengthAndModificationTimeAsync(_file, 100);
        var after = FileIdentity.Of(_file);

        Assert.That((after.Length, after.LastWriteTicks), Is.EqualTo((before.Length, before.LastWriteTicks)));
        Assert.That(after, Is.Not.EqualTo(before));
    }

    [Test]
    public void Of_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        var missing = Path.Combine(_directory, "missing.gvmi");

        var ex = Assert.Throws<FileNotFoundException>(() => FileIdentity.Of(missing));

        Assert.That(ex!.Message, Is.EqualTo($"No file at {missing}; expected a file to identify."));
        Assert.That(ex.FileName, Is.EqualTo(missing));
    }
}
