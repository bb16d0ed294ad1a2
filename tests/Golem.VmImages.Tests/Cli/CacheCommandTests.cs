using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Fetching;
using Golem.VmImages.Tests.Fetching;

namespace Golem.VmImages.Tests.Cli;

/// <summary><c>gvmi cache list|verify|prune</c> in-process over a cache filled from the loopback server.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class CacheCommandTests : FetcherTestBase
{
    private byte[] _first = null!;
    private byte[] _second = null!;

    [SetUp]
    public async Task FillCacheAsync()
    {
        _first = MakeBody(50_000, seed: 1);
        _second = MakeBody(70_000, seed: 2);
        using var fetcher = Fetcher();
        Server.Body = _first;
        await fetcher.FetchAsync(DigestOf(_first), [Server.Image()]);
        Server.Body = _second;
        await fetcher.FetchAsync(DigestOf(_second), [Server.Image()]);
    }

    [Test]
    public async Task List_TwoImages_PrintsEachAndTotal()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "list", "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain(DigestOf(_first).ToString()).And.Contain(DigestOf(_second).ToString()));
        Assert.That(output, Does.EndWith("2 image(s), 120000 bytes\n"));
    }

    [Test]
    public async Task Verify_AllIntact_ExitZero()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "verify", "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.All.StartWith("OK"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Verify_BitRot_ExitThreeAndEvicted()
    {
        var path = FinalPath(DigestOf(_second));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[1234] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "verify", "--cache", CacheDir);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Mismatch));
        Assert.That(output, Does.Contain("EVICTED  " + DigestOf(_second)).And.Contain("OK       " + DigestOf(_first)));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public async Task Prune_MaxSizeBelowTotal_EvictsLeastRecentlyUsed()
    {
        var cache = new ImageCache(CacheDir);
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_first)), DateTime.UtcNow.AddHours(-2));
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_second)), DateTime.UtcNow.AddHours(-1));

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--max-size", "100000");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("EVICTED  " + DigestOf(_first)).And.Contain("1 image(s) evicted"));
        Assert.That(cache.List().Select(i => i.Digest), Is.EqualTo(new[] { DigestOf(_second) }));
    }
}
