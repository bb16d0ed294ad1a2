using System.Runtime.Versioning;
using System.Text.Json;
using Golem.VmImages.Building;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Oci;
using Golem.VmImages.Tests.Building;
using Golem.VmImages.Tests.Oci;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// <c>gvmi cache list|verify|prune</c> over the OCI blobs a real pull left in the cache: <c>gvmi build NAME</c> from
/// Debian's docker-registry on loopback, then the cache commands as a user runs them.
/// </summary>
[SupportedOSPlatform("linux")]
[CancelAfter(120_000)]
public sealed class CacheOciBlobTests : BuildTestBase
{
    private DockerRegistry _registry = null!;

    private string Cache => Path.Combine(Scratch, "cache");

    private string BlobDirectory => Path.Combine(Cache, "oci", "sha256");

    /// <summary>The pulled blobs, largest first: the two layers (300 kB, then 200 kB of random bytes), then the config and the manifest.</summary>
    private string[] Blobs => [.. Directory.GetFiles(BlobDirectory).OrderByDescending(f => new FileInfo(f).Length)];

    [SetUp]
    public async Task PullAsync()
    {
        _registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        _registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [RegistryFixtures.Layer("opt/a.bin", 300_000, 1), RegistryFixtures.Layer("opt/b.bin", 200_000, 2)], gzip: true), "latest", "test/app", "1");
        var (exitCode, _, error) = await CliRunner.RunAsync(BuildCommand.Create(), "build", _registry.Host + "/test/app:1", "-o", Path.Combine(Scratch, "app.gvmi"), "--cache", Cache);
        Assert.That(exitCode, Is.Zero, error);
        Assert.That(Blobs, Has.Length.EqualTo(4), "two layers, the config and the manifest");
    }

    [TearDown]
    public async Task StopRegistryAsync() => await _registry.DisposeAsync();

    [Test]
    public async Task List_AfterAPull_ShowsEveryBlobInItsOwnSectionAndInJson()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "list", "--cache", Cache);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.StartWith("0 image(s), 0 B\n").And.EndWith("4 OCI blob(s) pulled by gvmi build, " + ByteSize.Format(Blobs.Sum(f => new FileInfo(f).Length)) + "\n"));
        foreach (var blob in Blobs)
        {
            Assert.That(output, Does.Contain("sha256:" + Path.GetFileName(blob) + "  "));
        }

        (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "list", "--cache", Cache, "--json");

        Assert.That(exitCode, Is.Zero);
        using var document = JsonDocument.Parse(output);
        var blobs = document.RootElement.GetProperty("ociBlobs").EnumerateArray().ToList();
        Assert.That(document.RootElement.GetProperty("images").GetArrayLength(), Is.Zero);
        Assert.That(blobs.Select(b => b.GetProperty("digest").GetString()), Is.EquivalentTo(Blobs.Select(f => "sha256:" + Path.GetFileName(f))));
        Assert.That(blobs.Select(b => b.GetProperty("kind").GetString()), Has.All.EqualTo("oci-blob"));
        Assert.That(blobs.Select(b => b.GetProperty("algorithm").GetString()), Has.All.EqualTo("SHA-256"));
        Assert.That(blobs.Select(b => b.GetProperty("path").GetString()), Is.EquivalentTo(Blobs));
        Assert.That(document.RootElement.GetProperty("totalBytes").GetInt64(), Is.EqualTo(Blobs.Sum(f => new FileInfo(f).Length)));
    }

    [Test]
    public async Task Verify_FlippedByteInALayer_ExitThreeEvictsItAndKeepsTheOthers()
    {
        var corrupt = Blobs[0];
        File.SetUnixFileMode(corrupt, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = await File.ReadAllBytesAsync(corrupt);
        bytes[1000] ^= 0x01;
        await File.WriteAllBytesAsync(corrupt, bytes);

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "verify", "--cache", Cache, "--json");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Mismatch));
        using var document = JsonDocument.Parse(output);
        var results = document.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("path").GetString()!, r => r.GetProperty("verified").GetBoolean());
        Assert.That(results, Has.Count.EqualTo(4));
        Assert.That(results[corrupt], Is.False);
        Assert.That(results.Where(r => r.Key != corrupt).Select(r => r.Value), Has.All.True);
        Assert.That(File.Exists(corrupt), Is.False);

        (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "verify", "--cache", Cache);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3).And.All.StartWith("OK       sha256:"));
    }

    [Test]
    public async Task Prune_MaxSize_EvictsTheLeastRecentlyUsedLayerOnly()
    {
        var blobs = Blobs;
        File.SetLastAccessTimeUtc(blobs[0], DateTime.UtcNow.AddHours(-3));
        File.SetLastAccessTimeUtc(blobs[1], DateTime.UtcNow.AddHours(-2));
        var limit = blobs.Skip(1).Sum(f => new FileInfo(f).Length);

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", Cache, "--max-size", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.StartWith("EVICTED  sha256:" + Path.GetFileName(blobs[0]) + "  ").And.Contain("0 image(s) and 1 OCI blob(s) evicted"));
        Assert.That(Blobs, Is.EqualTo(blobs[1..]));
    }

    [Test]
    public async Task Prune_MaxAgeOnTheCommandsClock_EvictsEveryBlobAndTheStalePartial()
    {
        var partial = Path.Combine(Cache, "oci", "partial", "sha256-" + new string('e', 64) + ".part");
        await File.WriteAllBytesAsync(partial, new byte[100]);
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(40));

        var (exitCode, output, _) = await CliRunner.RunAsync(new CacheCommand(later), "cache", "prune", "--cache", Cache, "--max-age", "30d", "--json");

        // By the system clock everything was used a moment ago: only the command's clock makes it 40 days old.
        Assert.That(exitCode, Is.Zero);
        using var document = JsonDocument.Parse(output);
        Assert.That(document.RootElement.GetProperty("evicted").EnumerateArray().Select(e => e.GetProperty("kind").GetString()), Is.EqualTo(Enumerable.Repeat("oci-blob", 4)));
        Assert.That(document.RootElement.GetProperty("remainingBytes").GetInt64(), Is.Zero);
        Assert.That(document.RootElement.GetProperty("stalePartialsDeleted").GetInt32(), Is.EqualTo(1));
        Assert.That(Blobs, Is.Empty);
        Assert.That(File.Exists(partial), Is.False);
    }

    [Test]
    public async Task Prune_All_WhileABuildReadsTheBlobs_KeepsThemAndTheBuildFinishes()
    {
        var writing = new TaskCompletionSource();
        var resume = new TaskCompletionSource();
        var options = new GvmiBuildOptions
        {
            Registry = new OciPullOptions { CacheDirectory = Cache },
            Progress = new BlockingProgress(writing, resume),
        };
        var build = Task.Run(() => GvmiBuilder.BuildAsync(ImageReference.Parse(_registry.Host + "/test/app:1"), Path.Combine(Scratch, "again.gvmi"), options));
        await writing.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", Cache, "--all");
        resume.SetResult();
        var result = await build;

        Assert.That(exitCode, Is.Zero);
        Assert.That(output.Split('\n').Count(l => l.StartsWith("KEPT (in use or changed)  sha256:", StringComparison.Ordinal)), Is.EqualTo(4));
        Assert.That(output, Does.Contain("0 image(s) and 0 OCI blob(s) evicted"));
        Assert.That(Blobs, Has.Length.EqualTo(4));
        Assert.That(result.ImageHash, Is.EqualTo(await ImageHasher.HashFileAsync(Path.Combine(Scratch, "app.gvmi"))));

        (exitCode, output, _) = await CliRunner.RunAsync(CacheCommand.Create(), "cache", "prune", "--cache", Cache, "--all");

        Assert.That(output, Does.Contain("0 image(s) and 4 OCI blob(s) evicted"));
        Assert.That(Blobs, Is.Empty);
    }

    /// <summary>Holds the build at its first report of the writing pass (every blob downloaded and pinned by then) until the test lets it go.</summary>
    private sealed class BlockingProgress(TaskCompletionSource writing, TaskCompletionSource resume) : IProgress<GvmiBuildProgress>
    {
        public void Report(GvmiBuildProgress value)
        {
            if (value.Stage == GvmiBuildStage.Writing && writing.TrySetResult())
            {
                resume.Task.Wait(TimeSpan.FromSeconds(60));
            }
        }
    }
}
