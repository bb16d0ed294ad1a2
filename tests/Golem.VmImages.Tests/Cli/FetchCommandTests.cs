using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Tests.Fetching;

namespace Golem.VmImages.Tests.Cli;

/// <summary><c>gvmi fetch</c> in-process against the loopback fault server: one exit code per outcome.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class FetchCommandTests : FetcherTestBase
{
    [Test]
    public async Task Fetch_Verified_ExitZeroPrintsCachePath()
    {
        Server.Body = MakeBody(300_000);
        var digest = DigestOf(Server.Body);

        var (exitCode, output, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Is.EqualTo(FinalPath(digest) + "\n"));
        Assert.That(await File.ReadAllBytesAsync(FinalPath(digest)), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Fetch_TaskPackageWithJson_ExitZeroPrintsResult()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(Server.Body);
        var output = Path.Combine(Root, "out.gvmi");

        var (exitCode, stdout, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", $"hash:sha3:{digest}:{Server.Image()}", "-o", output, "--json");

        Assert.That(exitCode, Is.Zero, error);
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("path").GetString(), Is.EqualTo(output));
        Assert.That(json.RootElement.GetProperty("digest").GetString(), Is.EqualTo(digest.ToString()));
        Assert.That(json.RootElement.GetProperty("length").GetInt64(), Is.EqualTo(100_000));
        Assert.That(json.RootElement.GetProperty("fromCache").GetBoolean(), Is.False);
        Assert.That(await File.ReadAllBytesAsync(output), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Fetch_HashMismatch_ExitThreeNoFinalFile()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(MakeBody(100_000, seed: 2));

        var (exitCode, output, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Mismatch));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.Contain("gvmi fetch: ").And.Contain(digest.ToString()));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Fetch_ServerFailsOnce_SaysWhyItRetries()
    {
        Server.Body = MakeBody(100_000);
        Server.Faults = i => i == 0 ? new Fault { Status = 503 } : Fault.None;
        var digest = DigestOf(Server.Body);

        var (exitCode, output, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Is.EqualTo(FinalPath(digest) + "\n"));
        var notes = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(notes, Has.All.StartWith("gvmi fetch: "), error);
        Assert.That(notes, Has.Some.Match(@"^gvmi fetch: Attempt 2 of \d+ in \d+\.\d s: .*503"), error);
    }

    [Test]
    public async Task Fetch_BodyCutMidway_SaysWhereItBrokeAndRetries()
    {
        Server.Body = MakeBody(300_000);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = 120_000 } : Fault.None;
        var digest = DigestOf(Server.Body);

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(error, Does.Match(@"gvmi fetch: Attempt 2 of \d+ in .*broke at byte 120000"));
    }

    [Test]
    public async Task Fetch_AfterAnInterruptedRun_SaysFromWhichByteItResumes()
    {
        Server.Body = MakeBody(300_000);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = 120_000 } : Fault.None;
        var digest = DigestOf(Server.Body);
        var (firstExit, _, _) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir, "--attempts", "1");
        Assume.That(firstExit, Is.EqualTo(ExitCodes.Network), "the first run keeps a partial download");

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero, error);
        var resumed = System.Text.RegularExpressions.Regex.Match(error, @"^gvmi fetch: Resuming \S+ from byte (?<offset>\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(resumed.Success, Is.True, error);
        var offset = long.Parse(resumed.Groups["offset"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(offset, Is.GreaterThan(0).And.LessThanOrEqualTo(120_000));
        Assert.That(Requests.Last().Range, Is.EqualTo($"bytes={offset}-"), "the note names the byte the request resumed from");
    }

    [Test]
    public async Task Fetch_QuietWhileTheServerFailsOnce_PrintsNoNotes()
    {
        Server.Body = MakeBody(100_000);
        Server.Faults = i => i == 0 ? new Fault { Status = 503 } : Fault.None;
        var digest = DigestOf(Server.Body);

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "-q", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(error, Is.Empty);
    }

    [TestCase(404)]
    [TestCase(410)]
    public async Task Fetch_NotFound_ExitFour(int status)
    {
        Server.Faults = _ => new Fault { Status = status };
        var digest = DigestOf(MakeBody(10));

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.NotFound));
        Assert.That(error, Does.Contain(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(Server.RequestCount, Is.EqualTo(1), "a 4xx is not retried");
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Fetch_ConnectionRefused_ExitFive()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var digest = DigestOf(MakeBody(10));

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), $"http://127.0.0.1:{port}/image.gvmi", "--cache", CacheDir, "--attempts", "1");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Network), error);
        Assert.That(error, Does.Contain($"127.0.0.1:{port}"));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Fetch_BodyBeyondMaxSize_ExitSix()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(Server.Body);

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir, "--max-size", "1000");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.TooLarge));
        Assert.That(error, Does.Contain("1000"));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Fetch_MinFreeBeyondTheVolume_ExitFiveNamesVolumeFreeSpaceAndReserve()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { NoContentLength = true };

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir, "--min-free", "1000000T");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Network), error);
        Assert.That(error, Does.Contain("bytes free, less than the 1099511627776000000 bytes a download keeps free"));
        Assert.That(error, Does.Contain(Path.Combine(CacheDir, "partial")));
        Assert.That(error, Does.Not.Contain("0 more bytes"), "an unknown size is not claimed to need 0 bytes");
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Fetch_MinFreeZero_Fetches()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(Server.Body);

        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir, "--min-free", "0");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(await File.ReadAllBytesAsync(FinalPath(digest)), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Fetch_MalformedHash_ExitTwoNoRequest()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", "abc", Server.Image().AbsoluteUri, "--cache", CacheDir);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("--hash"));
        Assert.That(Server.RequestCount, Is.Zero);
    }
}
