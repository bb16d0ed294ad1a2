using System.Text;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Fetching;
using Golem.VmImages.Http;
using Golem.VmImages.Tests.Cli;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>
/// A private image behind basic auth and a signed query: whatever the fetch goes through (a failure, retries, a
/// cancellation, a resume, a mismatch, success), the password and the signature reach no file, log line, exception,
/// progress report, result or CLI output.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretRedactionTests : FetcherTestBase
{
    private const string User = "provider7";
    private const string Password = "pw-Sup3rS3cret";
    private const string Token = "sig-T0kenS3cret";
    private static readonly string[] Secrets = [Password, Token, Uri.EscapeDataString(Password), Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password))];

    private Uri SecretUrl(string path = "image.gvmi") => new($"http://{User}:{Password}@127.0.0.1:{Server.HttpUrl.Port}/{path}?token={Token}&expires=99");

    [SetUp]
    public void RequireCredentials()
    {
        Server.RequiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));
        Server.RequiredQuery = "?token=" + Token + "&expires=99";
    }

    [Test]
    public async Task FetchAsync_FailRetryCancelResumeSucceed_NoSecretInFilesLogsExceptionsOrProgress()
    {
        Server.Body = MakeBody(3 << 20);
        var digest = DigestOf(Server.Body);
        var logger = new CapturingLogger();
        var shown = new List<string>();
        var progress = new SyncProgress(p => shown.Add(p.ToString()));
        using var fetcher = new ImageFetcher(Options(o => o.MaxAttempts = 3), TrustingClient(), null, logger);

        // A request without the credentials is refused: the fetch really sends them.
        Server.Faults = _ => new Fault { Status = 404 };
        shown.Add((await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [SecretUrl("missing.gvmi")])))!.ToString());

        // 503, then a broken transfer, then a stall that the caller cancels: retried, then cancelled with a partial kept.
        Server.Faults = i => i switch
        {
            1 => new Fault { Status = 503 },
            2 => new Fault { ResetAfter = 1 << 20 },
            _ => new Fault { StallAfter = 1 << 20 },
        };
        using (var cts = new CancellationTokenSource())
        {
            var fetch = fetcher.FetchAsync(digest, [SecretUrl()], new ImageFetchRequest { Progress = progress }, cts.Token);
            while (Server.BytesSent < 2 << 20)
            {
                await Task.Delay(10);
            }

            await Task.Delay(200);
            await cts.CancelAsync();
            shown.Add((await Assert.CatchAsync<OperationCanceledException>(() => fetch))!.ToString());
        }

        Assert.That(PartialFiles(), Is.Not.Empty, "the cancelled download left a resumable partial and its record");
        AssertNoSecretInFiles();

        // A mismatch against the same URL and two failing mirrors: the messages name the URLs, redacted.
        Server.Faults = _ => Fault.None;
        shown.Add((await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(DigestOf(MakeBody(10, 5)), [SecretUrl()])))!.ToString());
        Server.Faults = _ => new Fault { Status = 410 };
        var all = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(DigestOf(MakeBody(10, 6)), [SecretUrl("a"), SecretUrl("b")]));
        shown.Add(all!.ToString());
        Assert.That(all.Message, Does.Contain($"http://***:***@127.0.0.1:{Server.HttpUrl.Port}/a?…").And.Contain("/b?…"), "each URL's failure is listed, redacted");

        // The resume: Range from the kept bytes, verified, committed.
        Server.Faults = _ => Fault.None;
        var before = Server.RequestCount;
        var image = await fetcher.FetchAsync(digest, [SecretUrl()], new ImageFetchRequest { Progress = progress });
        Assert.That(Requests[before].Range, Does.StartWith("bytes="), "the partial was resumed, recognised without its URL on disk");
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        shown.Add(image.ToString());

        AssertNoSecretInFiles();
        Assert.That(logger.Lines, Is.Not.Empty);
        Assert.That(logger.Lines.Concat(shown), Has.None.Matches<string>(ContainsSecret), "no log line, exception, progress report or result holds a secret");
        Assert.That(string.Join("\n", logger.Lines), Does.Contain("***:***@127.0.0.1"), "the URL is still shown, redacted");
    }

    [Test]
    public async Task GvmiFetch_SecretUrl_OutputAndErrorsRedacted()
    {
        Server.Body = MakeBody(100_000);
        var digest = DigestOf(Server.Body);

        Server.Faults = _ => new Fault { Status = 404 };
        var failed = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), SecretUrl().AbsoluteUri, "--cache", CacheDir, "--attempts", "1");
        Server.Faults = _ => Fault.None;
        var fetched = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", "--hash", digest.ToString(), SecretUrl().AbsoluteUri, "--cache", CacheDir, "--json");

        Assert.That((failed.ExitCode, fetched.ExitCode), Is.EqualTo((4, 0)));
        Assert.That(failed.Error, Does.Contain("***:***@127.0.0.1"));
        Assert.That(fetched.Output, Does.Contain("\"url\": \"http://***:***@127.0.0.1:" + Server.HttpUrl.Port + "/image.gvmi?…\"").Or.Contain("?\\u2026"));
        Assert.That(new[] { failed.Output, failed.Error, fetched.Output, fetched.Error }, Has.None.Matches<string>(ContainsSecret));
        AssertNoSecretInFiles();
    }

    [TestCase("https://user:pa55@host.example:8443/dir/image.gvmi?X-Sig=abc", "https://***:***@host.example:8443/dir/image.gvmi?…")]
    [TestCase("http://token@127.0.0.1/i.gvmi", "http://***@127.0.0.1/i.gvmi")]
    [TestCase("https://host.example/i.gvmi", "https://host.example/i.gvmi")]
    [TestCase("http://127.0.0.1:8080/a/b?sig=1#frag", "http://127.0.0.1:8080/a/b?…")]
    public void Redact_ShowsSchemeHostPortPath_HidesUserInfoAndQuery(string url, string shown)
    {
        Assert.That(UrlRedaction.Redact(new Uri(url)), Is.EqualTo(shown));
    }

    private static bool ContainsSecret(string? text) => text is not null && Secrets.Any(s => text.Contains(s, StringComparison.Ordinal));

    private void AssertNoSecretInFiles()
    {
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var secret in Secrets)
            {
                Assert.That(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)), Is.EqualTo(-1), $"{file} holds a secret");
            }
        }
    }

    private sealed class SyncProgress(Action<ImageFetchProgress> report) : IProgress<ImageFetchProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ImageFetchProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
