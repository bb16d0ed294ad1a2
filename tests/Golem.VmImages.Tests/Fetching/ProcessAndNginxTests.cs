using System.Diagnostics;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>Killed and concurrent fetches across real processes (the <c>gvmi</c> CLI as the child), and Range/ETag/If-Range interop with a real nginx.</summary>
[TestFixture]
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessAndNginxTests : FetcherTestBase
{
    /// <summary>
    /// The CLI from its own build output: the copy next to the tests lacks the library's Microsoft.Extensions
    /// assemblies, which the test project takes from the ASP.NET Core shared framework instead.
    /// </summary>
    internal static string Gvmi
    {
        get
        {
            var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            var configuration = testDirectory.Parent!.Name;
            var repository = testDirectory.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(repository, "src", "Golem.VmImages.Cli", "bin", configuration, testDirectory.Name, "gvmi.dll");
            if (!File.Exists(path))
            {
                Assert.Ignore("The gvmi CLI build output was not found at " + path + "; build the solution first.");
            }

            return path;
        }
    }

    private Process StartGvmi(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Gvmi);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    [Test]
    public async Task Case20_ChildKilledMidDownload_NextFetchResumesAndVerifies()
    {
        var (child, digest, partial) = await StartFetchStalledAfter8MiBAsync();
        using (child)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        await AssertPartialKeptThenResumedAsync(digest, partial, "the killed process's lock died with it and its partial was resumed");
    }

    [Test]
    public async Task Interrupted_ChildGetsSigint_Exits130KeepsThePartialAndTheNextFetchResumes()
    {
        var (child, digest, partial) = await StartFetchStalledAfter8MiBAsync();
        using (child)
        {
            var errors = child.StandardError.ReadToEndAsync();
            using (var interrupt = Process.Start("kill", ["-INT", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            await ProcessExit.WaitAfterSignalAsync(child, "SIGINT");
            Assert.That(child.ExitCode, Is.EqualTo(130), "128 + SIGINT, like a shell tool interrupted by Ctrl+C");
            Assert.That(await errors, Does.Contain("gvmi fetch: interrupted; the partial download is kept for resuming"));
        }

        await AssertPartialKeptThenResumedAsync(digest, partial, "the interrupted download resumed where it stopped");
    }

    /// <summary>Starts <c>gvmi fetch</c> of a 24 MiB image whose first response stalls after 8 MiB; returns once 4 MiB are on disk.</summary>
    private async Task<(Process Child, Sha3Digest Digest, string Partial)> StartFetchStalledAfter8MiBAsync()
    {
        Server.Body = MakeBody(24 << 20);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { StallAfter = 8 << 20 } : Fault.None;
        var child = StartGvmi("fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);
        var partial = Path.Combine(CacheDir, "partial", "sha3-224-" + digest + ".part");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(partial) && new FileInfo(partial).Length >= 4 << 20) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return (child, digest, partial);
    }

    private async Task AssertPartialKeptThenResumedAsync(Sha3Digest digest, string partial, string because)
    {
        AssertNoFinalFile(digest);
        var kept = new FileInfo(partial).Length;
        Assert.That(kept, Is.GreaterThanOrEqualTo(4 << 20));

        using var fetcher = Fetcher();
        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[1].Range, Is.EqualTo($"bytes={kept}-"), because);
    }

    [Test]
    public async Task Case21_TwoProcessesSameDigest_OneDownload()
    {
        Server.Body = MakeBody(2 << 20);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { ChunkDelayMs = 25 };
        using var first = StartGvmi("fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);
        using var second = StartGvmi("fetch", "--hash", digest.ToString(), Server.Image().AbsoluteUri, "--cache", CacheDir);
        var outputs = await Task.WhenAll(first.StandardOutput.ReadToEndAsync(), second.StandardOutput.ReadToEndAsync());
        await Task.WhenAll(first.WaitForExitAsync(), second.WaitForExitAsync());

        Assert.That((first.ExitCode, second.ExitCode), Is.EqualTo((0, 0)));
        Assert.That(outputs.Select(o => o.Trim()), Is.All.EqualTo(FinalPath(digest)));
        Assert.That(Server.RequestCount, Is.EqualTo(1), "the second process waited on the lock and found the verified file");
        Assert.That(Server.BytesSent, Is.EqualTo(2 << 20));
    }

    [Test]
    public async Task Nginx_ResumeWithRangeAndIfRange_Gets206()
    {
        await using var nginx = await NginxServer.StartAsync(Root);
        var body = MakeBody(4 << 20);
        await File.WriteAllBytesAsync(nginx.FilePath("image.gvmi"), body);
        var url = nginx.Url("image.gvmi");
        var digest = DigestOf(body);
        await PlantPartialAsync(url, digest, body.AsMemory(0, 1 << 20));

        using var fetcher = Fetcher();
        var image = await fetcher.FetchAsync(digest, [url]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(body));
        Assert.That(image.BytesTransferred, Is.EqualTo(body.Length - (1 << 20)));
        Assert.That(nginx.AccessLog(), Has.Some.Contains("\"GET /image.gvmi HTTP/1.1\" 206"));
    }

    [Test]
    public async Task Nginx_FileReplacedBetweenAttempts_IfRangeGets200AndNothingIsSpliced()
    {
        await using var nginx = await NginxServer.StartAsync(Root);
        var v1 = MakeBody(4 << 20, 1);
        var path = nginx.FilePath("image.gvmi");
        await File.WriteAllBytesAsync(path, v1);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        var url = nginx.Url("image.gvmi");
        var v2 = MakeBody(4 << 20, 2);
        var digest = DigestOf(v2);
        await PlantPartialAsync(url, digest, v1.AsMemory(0, 1 << 20));
        await File.WriteAllBytesAsync(path, v2);

        using var fetcher = Fetcher();
        var image = await fetcher.FetchAsync(digest, [url]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(v2));
        Assert.That(image.BytesTransferred, Is.EqualTo(v2.Length), "the whole new file, never v1's prefix plus v2's tail");
        var log = nginx.AccessLog();
        Assert.That(log, Has.Some.Contains("\"GET /image.gvmi HTTP/1.1\" 200"));
        Assert.That(log, Has.None.Contains(" 206 "));
    }

    [Test]
    [Category("Slow")]
    public async Task Case24_ResumeBeyond4GiB_SparseBodyFromNginx()
    {
        await using var nginx = await NginxServer.StartAsync(Root);
        const long length = (4L << 30) + (3 << 20) + 7;
        const long resumeAt = (4L << 30) + 12345;
        var path = nginx.FilePath("big.gvmi");
        await using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.SetLength(length);
            file.Position = length - 5;
            file.Write([1, 2, 3, 4, 5]);
        }

        var digest = (Sha3Digest)await ImageHasher.HashFileAsync(path);
        var url = nginx.Url("big.gvmi");
        await PlantPartialAsync(url, digest, ReadOnlyMemory<byte>.Empty);
        var partial = Path.Combine(CacheDir, "partial", "sha3-224-" + digest + ".part");
        await using (var file = new FileStream(partial, FileMode.Open))
        {
            file.SetLength(resumeAt);
        }

        using var fetcher = Fetcher(o => o.BufferSize = 1 << 20);
        var image = await fetcher.FetchAsync(digest, [url]);

        Assert.That((image.Length, image.BytesTransferred), Is.EqualTo((length, length - resumeAt)));
        Assert.That(nginx.AccessLog(), Has.Some.Contains("\" 206 "));
    }

    /// <summary>Leaves a partial download as an interrupted run would: a prefix and the validators from a HEAD request.</summary>
    private async Task PlantPartialAsync(Uri url, Sha3Digest digest, ReadOnlyMemory<byte> prefix)
    {
        using var client = new HttpClient();
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        var etag = head.Headers.ETag!.ToString();
        Assert.That(etag, Does.Not.StartWith("W/"), "nginx sends a strong ETag for a static file");
        await SeedPartialAsync(CacheDir, digest, prefix, url, etag, head.Content.Headers.LastModified!.Value, head.Content.Headers.ContentLength!.Value);
    }
}
