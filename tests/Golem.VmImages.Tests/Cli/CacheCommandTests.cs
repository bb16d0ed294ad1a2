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
        Assert.That(output, Does.EndWith("2 image(s), 117.2 KiB\n"));
        Assert.That(output, Does.Contain("  48.8 KiB  ").And.Contain("  68.4 KiB  "));
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
        Assert.That(output, Does.Contain("EVICTED  " + DigestOf(_first)).And.Contain("1 image(s) and 0 OCI blob(s) evicted"));
        Assert.That(cache.List().Select(i => i.Digest), Is.EqualTo(new[] { DigestOf(_second) }));
    }

    [Test]
    public async Task Prune_NoCriterion_RefusesAsUsageAndEvictsNothing()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.StartWith("gvmi cache prune: say what to evict: --max-size SIZE").And.Contain("--max-age AGE").And.Contain("--all"));
        Assert.That(new ImageCache(CacheDir).List(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Prune_DryRun_ListsWhatWouldGoAndDeletesNothing()
    {
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_first)), DateTime.UtcNow.AddHours(-2));
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_second)), DateTime.UtcNow.AddHours(-1));

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--max-size", "100K", "--dry-run");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.StartWith("WOULD EVICT  " + DigestOf(_first) + "  48.8 KiB  last used "));
        Assert.That(output, Does.Contain("1 image(s) and 0 OCI blob(s) would be evicted (48.8 KiB), 68.4 KiB would be left; nothing was deleted (dry run)"));
        Assert.That(new ImageCache(CacheDir).List(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Prune_MaxAge_EvictsOnlyImagesUnusedForLonger()
    {
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_first)), DateTime.UtcNow.AddDays(-40));
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_second)), DateTime.UtcNow.AddDays(-1));

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--max-age", "30d", "--json");

        Assert.That(exitCode, Is.Zero);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.That(document.RootElement.GetProperty("evicted").EnumerateArray().Select(e => e.GetProperty("digest").GetString()), Is.EqualTo(new[] { DigestOf(_first).ToString() }));
        Assert.That(new ImageCache(CacheDir).List().Select(i => i.Digest), Is.EqualTo(new[] { DigestOf(_second) }));
    }

    [Test]
    public async Task Prune_MaxAgeWhileTheOldImageIsBeingFetched_KeepsItAndEvictsNothingOutsideThePlan()
    {
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_first)), DateTime.UtcNow.AddDays(-40));
        File.SetLastAccessTimeUtc(FinalPath(DigestOf(_second)), DateTime.UtcNow.AddDays(-1));
        var (_, dryRun, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--max-age", "30d", "--dry-run");
        Assert.That(dryRun, Does.StartWith("WOULD EVICT  " + DigestOf(_first)).And.Not.Contain(DigestOf(_second).ToString()));

        string output;
        using (await new ImageCache(CacheDir).ReserveAsync(DigestOf(_first), rehashExisting: false, CancellationToken.None))
        {
            (_, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--max-age", "30d");
        }

        // The image the dry run listed is in use, so it stays; the recent one was never in the plan and stays too.
        Assert.That(output, Does.StartWith("KEPT (in use or changed)  " + DigestOf(_first)).And.Contain("0 image(s) and 0 OCI blob(s) evicted"));
        Assert.That(new ImageCache(CacheDir).List(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Prune_All_EvictsEverything()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--all");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("2 image(s) and 0 OCI blob(s) evicted (117.2 KiB), 0 B left"));
        Assert.That(new ImageCache(CacheDir).List(), Is.Empty);
    }

    [TestCase("--max-size", "ten", "--max-size 'ten' is not a size; expected bytes or a number with a unit, like 10G, 512MiB or 1.5GB.")]
    [TestCase("--max-size", "-5", "--max-size '-5' is not a size")]
    [TestCase("--max-size", "1e400", "--max-size '1e400' is not a size")]
    [TestCase("--max-age", "forever", "--max-age 'forever' is not an age")]
    [TestCase("--stale-partials-hours", "NaN", "--stale-partials-hours is NaN; expected a finite number of at least 0.")]
    [TestCase("--stale-partials-hours", "-Infinity", "--stale-partials-hours is -Infinity; expected a finite number of at least 0.")]
    public async Task Prune_BadNumber_IsAUsageError(string option, string value, string message)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", CacheDir, "--all", option, value);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.StartWith("gvmi cache prune: " + message));
        Assert.That(new ImageCache(CacheDir).List(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task List_Json_HasCamelCaseKeysAndTotal()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "list", "--cache", CacheDir, "--json");

        Assert.That(exitCode, Is.Zero);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.That(document.RootElement.GetProperty("totalBytes").GetInt64(), Is.EqualTo(120_000));
        Assert.That(document.RootElement.GetProperty("images").EnumerateArray().Select(e => e.GetProperty("size").GetInt64()), Is.EquivalentTo(new[] { 50_000L, 70_000L }));
    }
}
