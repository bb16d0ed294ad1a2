using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Fetching;
using Golem.VmImages.Tests.Cli;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>Only what a provider should fetch, only where it can be written, and errors that help.</summary>
[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DestinationAndSchemeTests : FetcherTestBase
{
    [TestCase("file:///dev/zero")]
    [TestCase("file:///etc/passwd")]
    [TestCase("ftp://127.0.0.1/image.gvmi")]
    public void FetchAsync_NonHttpSchemeWithoutOptIn_RefusedBeforeAnyIo(string url)
    {
        using var fetcher = Fetcher();

        var ex = Assert.Throws<ArgumentException>(() => fetcher.FetchAsync(DigestOf([1]), [new Uri(url)]));

        Assert.That(ex!.Message, Does.Contain("expected http or https"));
        Assert.That(Directory.Exists(CacheDir), Is.False, "nothing was created on disk");
    }

    [Test]
    public async Task FetchAsync_DestinationIsADirectory_FailsBeforeAnyRequest()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Root, "dir")).FullName;
        using var fetcher = Fetcher();

        var ex = Assert.Throws<IOException>(() => fetcher.FetchAsync(DigestOf([1]), [Server.Image()], new ImageFetchRequest { DestinationPath = directory }));

        Assert.That(ex!.Message, Does.Contain("is a directory"));
        Assert.That(Server.RequestCount, Is.Zero);
        await Task.CompletedTask;
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void FetchAsync_DestinationDirectoryNotWritable_FailsBeforeAnyRequest()
    {
        if (Environment.UserName == "root")
        {
            Assert.Ignore("root writes into a read-only directory anyway.");
        }

        var directory = Directory.CreateDirectory(Path.Combine(Root, "ro")).FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            using var fetcher = Fetcher();
            var ex = Assert.Throws<IOException>(() => fetcher.FetchAsync(DigestOf([1]), [Server.Image()], new ImageFetchRequest { DestinationPath = Path.Combine(directory, "x.gvmi") }));
            Assert.That(ex!.Message, Does.Contain("cannot be written"));
            Assert.That(Server.RequestCount, Is.Zero);
        }
        finally
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Test]
    public async Task GvmiFetch_OutputIsADirectory_OneLineErrorNoStackTrace()
    {
        Server.Body = MakeBody(1000);
        var directory = Directory.CreateDirectory(Path.Combine(Root, "dir")).FullName;

        var (exitCode, output, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", DigestOf(Server.Body).ToString(), Server.Image().AbsoluteUri, "-o", directory);

        // A usage error: one line naming the directory, then the hint to --help, as for every command.
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(2));
        Assert.That(error, Does.StartWith("gvmi fetch: ").And.Contain(directory).And.Contain("Try 'gvmi fetch --help'").And.Not.Contain("   at "));
        Assert.That(Server.RequestCount, Is.Zero);
    }

    [Test]
    public async Task FetchAsync_OneUrlFails_RethrownWithItsOriginalStack()
    {
        Server.Faults = _ => new Fault { Status = 404 };
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(DigestOf([1]), [Server.Image()]));

        Assert.That(ex!.StackTrace, Does.Contain(nameof(ImageDownloader)), "the stack reaches the line that found the failure");
    }

    [Test]
    public async Task FetchAsync_DeadlinePassed_MessageNamesEveryUrlTried()
    {
        Server.Body = MakeBody(1 << 20);
        Server.Faults = i => i == 0 ? new Fault { Status = 404 } : new Fault { StallAfter = 1000 };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var fetcher = Fetcher(
            o =>
            {
                o.OverallTimeout = TimeSpan.FromMinutes(1);
                o.StallTimeout = TimeSpan.FromMinutes(1);
            },
            time);

        var fetch = fetcher.FetchAsync(DigestOf(Server.Body), [Server.Image("first"), Server.Image("slow")]);
        while (Server.BytesSent < 1000)
        {
            await Task.Delay(10);
        }

        await DriveAsync(time, fetch, TimeSpan.FromSeconds(5));
        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetch);

        Assert.That(ex!.Message, Does.Contain("overall timeout").And.Contain("/first").And.Contain("/slow"));
    }

    [TestCase("", TestName = "Resume_EmptyRecord_StartsAgainFromZero")]
    [TestCase("garbage\n", TestName = "Resume_GarbageRecord_StartsAgainFromZero")]
    [TestCase("golem-vmimages partial v2\nzz\n\"v1\"\n\n100\n", TestName = "Resume_BadKeyInRecord_StartsAgainFromZero")]
    [TestCase("golem-vmimages partial v2\n0000000000000000000000000000000000000000000000000000000000000000\n\"v1\"\nnot a date\n100\n", TestName = "Resume_BadDateInRecord_StartsAgainFromZero")]
    [TestCase("\0\u00ff\u00fe binary", TestName = "Resume_BinaryRecord_StartsAgainFromZero")]
    public async Task Resume_CorruptRecord_StartsAgainFromZero(string record)
    {
        Server.Body = MakeBody(300_000);
        var digest = DigestOf(Server.Body);
        CreateCacheDirectories(digest);
        await File.WriteAllBytesAsync(PartialPath(digest), Server.Body.AsMemory(0, 1000).ToArray());
        await File.WriteAllTextAsync(PartialPath(digest) + ".meta", record);
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[0].Range, Is.Null, "an unusable record means byte 0, never a crash");
    }

    [Test]
    public async Task FetchAsync_FinishedAndFailed_LeaveNoLockFiles()
    {
        Server.Body = MakeBody(100_000);
        using var fetcher = Fetcher();
        await fetcher.FetchAsync(DigestOf(Server.Body), [Server.Image()]);
        Server.Faults = _ => new Fault { Status = 404 };
        await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(DigestOf(MakeBody(10, 4)), [Server.Image()]));
        var destination = Path.Combine(Root, "out.gvmi");
        await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(DigestOf(MakeBody(10, 4)), [Server.Image()], new ImageFetchRequest { DestinationPath = destination }));

        Assert.That(Directory.GetFiles(Path.Combine(CacheDir, "locks")), Is.Empty);
        Assert.That(Directory.GetFiles(Root, ".*lock"), Is.Empty);
    }

    [Test]
    public async Task GvmiFetch_Verify_RehashesACachedHitAndRefetchesBitRot()
    {
        Server.Body = MakeBody(200_000);
        var digest = DigestOf(Server.Body);
        var args = new[] { "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir };
        Assert.That((await CliRunner.RunAsync(FetchCommand.Create(), args)).ExitCode, Is.Zero);
        var path = FinalPath(digest);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var rotten = (byte[])Server.Body.Clone();
        rotten[1234] ^= 1;
        await File.WriteAllBytesAsync(path, rotten);

        var sizeOnly = await CliRunner.RunAsync(FetchCommand.Create(), args);
        Assert.That((sizeOnly.ExitCode, Server.RequestCount), Is.EqualTo((0, 1)), "without --verify a hit is checked by size only");

        var verified = await CliRunner.RunAsync(FetchCommand.Create(), [.. args, "--verify"]);
        Assert.That((verified.ExitCode, Server.RequestCount), Is.EqualTo((0, 2)), "--verify re-hashed the hit, evicted it and fetched again");
        Assert.That(await File.ReadAllBytesAsync(path), Is.EqualTo(Server.Body));
    }
}
