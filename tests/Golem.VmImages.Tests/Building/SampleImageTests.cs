using System.Diagnostics;
using Golem.VmImages.Tests.Repository;

namespace Golem.VmImages.Tests.Building;

/// <summary>The committed sample image is what <c>samples/images/build-hello.sh</c> builds from <c>hello-root/</c>.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SampleImageTests : BuildTestBase
{
    [Test]
    public async Task BuildHelloScript_FromAFreshCopyWithOtherTimesAndModes_RebuildsTheCommittedSampleByteForByte()
    {
        var images = Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "samples", "images");

        // A copy stands for another clone: files written now, group-writable (umask 002), the script run from there.
        var copy = Path.Combine(Scratch, "images");
        ExternalTool.Run("cp", "-R", images, copy);
        File.Delete(Path.Combine(copy, "hello.gvmi"));
        foreach (var path in Directory.EnumerateFileSystemEntries(Path.Combine(copy, "hello-root"), "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.GroupWrite);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }

        var output = Path.Combine(Scratch, "out", "hello.gvmi");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var start = new ProcessStartInfo(ExternalTool.Require("sh")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(copy, "build-hello.sh"));
        start.ArgumentList.Add(output);
        start.Environment["GVMI"] = "dotnet " + Path.Combine(TestContext.CurrentContext.TestDirectory, "gvmi.dll");
        using var script = Process.Start(start)!;
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();

        Assert.That(script.ExitCode, Is.Zero, () => "build-hello.sh failed: " + stderr.Result);
        Assert.That(await stdout, Does.StartWith("4d2273ca1a4405f0f58fb7e43721237bc19862f697685813e6413ca8  hello.gvmi (4231 bytes"));
        Assert.That(await File.ReadAllBytesAsync(output), Is.EqualTo(await File.ReadAllBytesAsync(Path.Combine(images, "hello.gvmi"))));
    }
}
