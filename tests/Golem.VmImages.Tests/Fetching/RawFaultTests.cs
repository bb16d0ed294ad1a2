using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Golem.VmImages.Fetching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>
/// Failures a well-behaved server cannot produce: a body longer than its <c>Content-Length</c>, from a raw socket on
/// 127.0.0.1; and a real full disk, a 2 MiB tmpfs mounted for the test.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RawFaultTests : FetcherTestBase
{
    [Test]
    public async Task Case10_MoreBytesThanContentLength_OnlyContentLengthBytesWrittenAndVerified()
    {
        var declared = MakeBody(300_000);
        var sent = declared.Concat(MakeBody(200_000, seed: 9)).ToArray();
        await using var raw = RawHttpServer.Start(declared.Length, sent);
        var digest = DigestOf(declared);
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [raw.Url]);

        Assert.That(image.Length, Is.EqualTo(declared.Length));
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(declared), "the bytes beyond Content-Length are never written");
        Assert.That(image.BytesTransferred, Is.EqualTo(declared.Length));
        Assert.That(PartialFiles(), Is.Empty);
    }

    [Test]
    public async Task Case10_MoreBytesThanContentLength_ExpectingTheLongerBody_FailsWithNoFile()
    {
        var declared = 300_000;
        var sent = MakeBody(500_000);
        await using var raw = RawHttpServer.Start(declared, sent);
        var digest = DigestOf(sent);
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(digest, [raw.Url]));

        Assert.That(ex!.Length, Is.EqualTo(declared), "no more than Content-Length bytes are hashed");
        Assert.That(ex.Actual, Is.EqualTo(DigestOf(sent[..declared])));
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty);
        Assert.That(raw.RequestCount, Is.EqualTo(1), "a mismatch on a fresh download is not retried");
    }

    [TestCase(false, TestName = "Case10_206BeyondItsContentRange_ContentLengthTooLong_RejectedAndRestartedFromZero")]
    [TestCase(true, TestName = "Case10_206BeyondItsContentRange_Chunked_StoppedAtTotalAndRestartedFromZero")]
    public async Task Case10_206BeyondItsContentRange(bool chunked)
    {
        const int Total = 2 << 20;
        const int Seeded = 1 << 20;
        var image = MakeBody(Total);
        var digest = DigestOf(image);
        var overrun = image[Seeded..].Concat(MakeBody(Total, seed: 3)).ToArray();
        await using var raw = RawHttpServer.Start((index, head) =>
        {
            if (!head.Contains("Range: bytes=", StringComparison.OrdinalIgnoreCase))
            {
                return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: {Total}\r\n\r\n"), .. image];
            }

            var range = $"HTTP/1.1 206 Partial Content\r\nETag: \"v1\"\r\nContent-Range: bytes {Seeded}-{Total - 1}/{Total}\r\n";
            return chunked
                ? [.. Encoding.ASCII.GetBytes(range + $"Transfer-Encoding: chunked\r\n\r\n{overrun.Length:x}\r\n"), .. overrun, .. "\r\n0\r\n\r\n"u8.ToArray()]
                : [.. Encoding.ASCII.GetBytes(range + $"Content-Length: {overrun.Length}\r\n\r\n"), .. overrun];
        });
        await SeedPartialAsync(digest, image[..Seeded], raw.Url, Total);
        using var fetcher = Fetcher(o => o.MaxImageSize = 3 << 20);

        var fetched = await fetcher.FetchAsync(digest, [raw.Url]);

        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(image));
        Assert.That(raw.RequestCount, Is.EqualTo(2), "the bad 206 is rejected, then one whole download from byte 0");
        Assert.That(raw.RequestHeads[1], Does.Not.Contain("Range:"));
        Assert.That(fetched.BytesTransferred - Total, Is.LessThanOrEqualTo(Total - Seeded), "nothing beyond the announced total is taken from the bad 206");
    }

    [TestCase(false, TestName = "Case11_CloseDelimitedHttp10Body_AcceptedAndVerified")]
    [TestCase(true, TestName = "Case11_CloseDelimitedHttp10Body_BeyondCap_Stopped")]
    public async Task Case11_CloseDelimitedHttp10Body(bool beyondCap)
    {
        var image = MakeBody(700_000);
        var digest = DigestOf(image);
        await using var raw = RawHttpServer.Start((_, _) => [.. "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"u8.ToArray(), .. image]);
        using var fetcher = Fetcher(o => o.MaxImageSize = beyondCap ? 500_000 : 1 << 20);

        if (beyondCap)
        {
            var ex = await Assert.ThrowsAsync<ImageTooLargeException>(() => fetcher.FetchAsync(digest, [raw.Url]));
            Assert.That(ex!.Limit, Is.EqualTo(500_000));
            AssertNoFinalFile(digest);
            Assert.That(PartialFiles(), Is.Empty);
            return;
        }

        var fetched = await fetcher.FetchAsync(digest, [raw.Url]);

        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(image));
        Assert.That(raw.RequestCount, Is.EqualTo(1));
    }

    [Test]
    [Platform("Linux")]
    public async Task Case23_DiskFullMidWrite_ClearErrorNoFinalFilePartialResumable()
    {
        using var disk = SmallDisk.Mount(Path.Combine(Root, "small"));
        Server.Body = MakeBody(4 << 20);
        Server.Faults = _ => new Fault { NoContentLength = true };
        var digest = DigestOf(Server.Body);
        var cacheDir = disk.CacheDir;
        using var fetcher = Fetcher(o => o.CacheDirectory = cacheDir);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("No space left on device"));
        Assert.That(ex.InnerException, Is.InstanceOf<IOException>());
        Assert.That(Server.RequestCount, Is.EqualTo(1), "a full disk is not a network failure to retry");
        Assert.That(File.Exists(Path.Combine(cacheDir, "sha3-224", digest.ToString())), Is.False);
        var partial = Path.Combine(cacheDir, "partial", "sha3-224-" + digest + ".part");
        if (File.Exists(partial))
        {
            // Kept resumable: its bytes are a prefix of the image.
            var kept = await File.ReadAllBytesAsync(partial);
            Assert.That(kept, Is.EqualTo(Server.Body[..kept.Length]));
        }
    }

    [Test]
    [Platform("Linux")]
    public async Task Case23_DiskTooSmallForAnnouncedLength_RefusedBeforeTheBody()
    {
        using var disk = SmallDisk.Mount(Path.Combine(Root, "small"));
        Server.Body = MakeBody(4 << 20);
        var digest = DigestOf(Server.Body);
        var cacheDir = disk.CacheDir;
        using var fetcher = Fetcher(o => o.CacheDirectory = cacheDir);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("bytes free"));
        Assert.That(File.Exists(Path.Combine(cacheDir, "sha3-224", digest.ToString())), Is.False);
        Assert.That(Directory.GetFiles(Path.Combine(cacheDir, "partial")), Is.Empty);
    }

    [Test]
    [Platform("Linux")]
    public async Task Case23_EndlessBodyWithoutLength_StopsBeforeTheReserveAndDeletesThePartial()
    {
        using var disk = SmallDisk.Mount(Path.Combine(Root, "small"), "48m");
        const long Reserve = 24L << 20;
        var sent = 0L;
        RequestDelegate forever = async context =>
        {
            // 200, no Content-Length, no validator, and bytes for ever: the server of the fault campaign.
            var chunk = MakeBody(64 * 1024);
            await context.Response.StartAsync();
            try
            {
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    Interlocked.Add(ref sent, chunk.Length);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        };
        await using var endless = await LoopbackServer.StartAsync(app => app.Run(forever));
        var digest = DigestOf(MakeBody(10));
        var cacheDir = disk.CacheDir;
        using var fetcher = Fetcher(o =>
        {
            o.CacheDirectory = cacheDir;
            o.MinimumFreeDiskSpace = Reserve;
        });

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [new Uri(endless.BaseAddress, "image.gvmi")]));

        Assert.That(ex!.Message, Does.StartWith("The download stopped at byte "));
        Assert.That(ex.Message, Does.Contain($"the volume of '{Path.Combine(cacheDir, "partial")}' has "));
        Assert.That(ex.Message, Does.Contain($"less than the {Reserve} bytes a download keeps free; the partial file is deleted"));
        var stop = ex.InnerException as FreeSpaceReserveException;
        Assert.That(stop, Is.Not.Null, "the reserve stopped the download, not a full disk or the size cap");
        Assert.That(stop!.Available, Is.GreaterThanOrEqualTo(Reserve), "the volume never dropped below the reserve");
        // What the server counts is no measure here: once the client has closed, Kestrel may accept and discard writes
        // for a while before it notices. The stop's offset is what reached the volume.
        Assert.That(Interlocked.Read(ref sent), Is.GreaterThan(stop.Offset), "the server kept sending while the volume filled");
        Assert.That(stop.Offset, Is.LessThan(48L << 20), "the body was cut long before it could fill the volume");
        Assert.That(Directory.GetFiles(Path.Combine(cacheDir, "partial")), Is.Empty, "nothing to resume an endless body from: the partial is deleted");
        Assert.That(Directory.Exists(Path.Combine(cacheDir, "sha3-224")) && Directory.EnumerateFiles(Path.Combine(cacheDir, "sha3-224")).Any(), Is.False);
    }

    [Test]
    [Platform("Linux")]
    public async Task Case23_VolumeFillsDuringADownloadWithLengthAndETag_StopsKeepsThePartialAndResumes()
    {
        using var disk = SmallDisk.Mount(Path.Combine(Root, "small"), "48m");
        const long Reserve = 16L << 20;
        const int Filled = 4 << 20;
        Server.Body = MakeBody(16 << 20);
        Server.Faults = i => i == 0 ? new Fault { ChunkDelayMs = 5 } : Fault.None;
        var digest = DigestOf(Server.Body);
        var cacheDir = disk.CacheDir;
        using var fetcher = Fetcher(o =>
        {
            o.CacheDirectory = cacheDir;
            o.MinimumFreeDiskSpace = Reserve;
        });

        // 48 MiB free, 16 MiB to come, 16 MiB kept: the check before the body passes. Once the slow server has sent
        // 4 MiB, another writer takes 26 MiB of the volume; a later check finds too little room and stops the fetch.
        var fetch = fetcher.FetchAsync(digest, [Server.Image()]);
        while (Server.BytesSent < Filled && !fetch.IsCompleted)
        {
            await Task.Delay(20);
        }

        var filler = Path.Combine(disk.MountPath, "filler");
        await File.WriteAllBytesAsync(filler, new byte[26 << 20]);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetch);

        Assert.That(ex!.Message, Does.Contain("the partial file is kept for resuming"));
        Assert.That(ex.InnerException, Is.InstanceOf<FreeSpaceReserveException>());
        var partial = Path.Combine(cacheDir, "partial", "sha3-224-" + digest + ".part");
        var kept = await File.ReadAllBytesAsync(partial);
        Assert.That(kept, Has.Length.GreaterThan(0));
        Assert.That(kept, Is.EqualTo(Server.Body[..kept.Length]), "the kept partial is a prefix of the image");

        File.Delete(filler);
        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[^1].Range, Is.EqualTo($"bytes={kept.Length}-"), "the next fetch resumes the kept partial");
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    /// <summary>A small tmpfs (2 MiB unless told) mounted at a path for one test (the test is ignored where mounting is not permitted); disposing unmounts it.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string path) => MountPath = path;

        public string MountPath { get; }

        public string CacheDir => Path.Combine(MountPath, "cache");

        public static SmallDisk Mount(string path, string size = "2m")
        {
            Directory.CreateDirectory(path);
            var (code, error) = Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path);
            if (code != 0)
            {
                Assert.Ignore($"Mounting a {size} tmpfs is not permitted here (mount exited {code}: {error.Trim()}); the full-disk case needs it.");
            }

            return new SmallDisk(path);
        }

        public void Dispose() => Run("umount", MountPath);
    }

    /// <summary>A one-response-per-connection HTTP/1.1 server on a raw socket that sends <c>Content-Length: declared</c> and then every byte of its body.</summary>
    private sealed class RawHttpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _loop;
        private readonly CancellationTokenSource _stop = new();
        private int _requests;

        private RawHttpServer(Func<int, string, byte[]> respond)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/image.gvmi");
            _loop = AcceptAsync(respond);
        }

        public Uri Url { get; }

        public int RequestCount => Volatile.Read(ref _requests);

        public List<string> RequestHeads { get; } = [];

        /// <summary>Answers every request with <c>200</c>, <c>Content-Length: declared</c>, then all of <paramref name="body"/>.</summary>
        public static RawHttpServer Start(long declared, byte[] body) =>
            new((_, _) => [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"), .. body]);

        /// <summary>Answers request <c>i</c> (its head given) with the raw bytes <paramref name="respond"/> returns.</summary>
        public static RawHttpServer Start(Func<int, string, byte[]> respond) => new(respond);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(Func<int, string, byte[]> respond)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                var index = Interlocked.Increment(ref _requests) - 1;
                lock (RequestHeads)
                {
                    RequestHeads.Add(request.ToString());
                }

                try
                {
                    await stream.WriteAsync(respond(index, request.ToString()), _stop.Token);
                    client.Client.Shutdown(SocketShutdown.Send);
                }
                catch (IOException)
                {
                    // The client stopped reading at Content-Length and closed the connection.
                }
            }
        }
    }

}
