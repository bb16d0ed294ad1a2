using Golem.VmImages.Fetching;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Fetching;

public abstract class FetcherTestBase
{
    protected FaultServer Server { get; private set; } = null!;

    protected string Root { get; private set; } = null!;

    protected string CacheDir => Path.Combine(Root, "cache");

    protected static byte[] MakeBody(int length, int seed = 1)
    {
        var body = new byte[length];
        new Random(seed).NextBytes(body);
        return body;
    }

    protected static Sha3Digest DigestOf(byte[] body) => ImageHasher.HashData(body);

    [SetUp]
    public async Task StartServerAsync()
    {
        Root = Directory.CreateTempSubdirectory("gvmi-fetch-").FullName;
        Server = await FaultServer.StartAsync();
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        await Server.DisposeAsync();
        DeleteRoot(Root);
    }

    /// <summary>Deletes a test's root directory, with the read-only images a fetch leaves in its cache.</summary>
    internal static void DeleteRoot(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(root, recursive: true);
    }

    protected ImageFetcherOptions Options(Action<ImageFetcherOptions>? configure = null)
    {
        var options = new ImageFetcherOptions
        {
            CacheDirectory = CacheDir,
            BackoffBase = TimeSpan.FromMilliseconds(1),
            BackoffCap = TimeSpan.FromMilliseconds(5),
            MinimumFreeDiskSpace = 0,
            BufferSize = 64 * 1024,
            StallTimeout = TimeSpan.FromSeconds(30),
            MinimumBytesPerSecond = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    protected static HttpClient TrustingClient() =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { Timeout = Timeout.InfiniteTimeSpan };

    protected ImageFetcher Fetcher(Action<ImageFetcherOptions>? configure = null, TimeProvider? time = null) =>
        new(Options(configure), TrustingClient(), null, null, time);

    protected string FinalPath(Sha3Digest digest) => Path.Combine(CacheDir, "sha3-" + digest.BitLength, digest.ToString());

    protected void AssertNoFinalFile(Sha3Digest digest) =>
        Assert.That(File.Exists(FinalPath(digest)), Is.False, "no file may exist under the final name after a failure");

    protected string[] PartialFiles() =>
        Directory.Exists(Path.Combine(CacheDir, "partial")) ? Directory.GetFiles(Path.Combine(CacheDir, "partial")) : [];

    protected RecordedRequest[] Requests => [.. Server.Requests];

    /// <summary>Leaves in the cache what an earlier, interrupted run would: a partial of <paramref name="digest"/> holding <paramref name="prefix"/>, and its record (<paramref name="url"/>, ETag <c>"v1"</c>, the announced <paramref name="length"/>).</summary>
    protected async Task SeedPartialAsync(Sha3Digest digest, byte[] prefix, Uri url, long length)
    {
        await SeedPartialAsync(CacheDir, digest, prefix, url, "\"v1\"", null, length);
    }

    /// <summary>Leaves a partial of <paramref name="digest"/> holding <paramref name="prefix"/> in <paramref name="cacheDirectory"/>, with the record a fetch from <paramref name="url"/> writes.</summary>
    internal static async Task SeedPartialAsync(string cacheDirectory, Sha3Digest digest, ReadOnlyMemory<byte> prefix, Uri url, string? etag, DateTimeOffset? lastModified, long? length)
    {
        Directory.CreateDirectory(Path.Combine(cacheDirectory, "partial"));
        var partial = Path.Combine(cacheDirectory, "partial", "sha3-224-" + digest + ".part");
        await File.WriteAllBytesAsync(partial, prefix.ToArray());
        new PartialRecord(PartialRecord.KeyOf(url, digest), etag, lastModified, length).Write(partial);
    }

    /// <summary>Gets the cache's partial file of <paramref name="digest"/>.</summary>
    protected string PartialPath(Sha3Digest digest) => Path.Combine(CacheDir, "partial", "sha3-224-" + digest + ".part");

    /// <summary>Gets the cache's lock file of <paramref name="digest"/>.</summary>
    protected string LockPath(Sha3Digest digest) => Path.Combine(CacheDir, "locks", "sha3-224-" + digest + ".lock");

    /// <summary>Creates the cache's image, partial and lock directories, as a fetch does.</summary>
    protected void CreateCacheDirectories(Sha3Digest digest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FinalPath(digest))!);
        Directory.CreateDirectory(Path.Combine(CacheDir, "partial"));
        Directory.CreateDirectory(Path.Combine(CacheDir, "locks"));
    }

    /// <summary>Starts a fetch, cancels it once the server sent <paramref name="sentBytes"/> (and the client had 200 ms to take them), and asserts the cancellation.</summary>
    protected async Task FetchAndCancelAfterAsync(ImageFetcher fetcher, Sha3Digest digest, long sentBytes)
    {
        using var cts = new CancellationTokenSource();
        var fetch = fetcher.FetchAsync(digest, [Server.Image()], null, cts.Token);
        while (Server.BytesSent < sentBytes)
        {
            await Task.Delay(10);
        }

        await Task.Delay(200);
        await cts.CancelAsync();
        await Assert.CatchAsync<OperationCanceledException>(() => fetch);
    }

    /// <summary>Advances the fake clock in steps until the task finishes (real time is bounded by <paramref name="realLimit"/>).</summary>
    protected static async Task DriveAsync(FakeTimeProvider time, Task task, TimeSpan step, TimeSpan? realLimit = null)
    {
        var deadline = DateTime.UtcNow + (realLimit ?? TimeSpan.FromSeconds(30));
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The fetch did not finish in real time.");
            }

            await Task.Delay(10);
            time.Advance(step);
        }
    }
}
