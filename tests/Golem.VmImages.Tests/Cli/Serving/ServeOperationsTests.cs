using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary>Running <c>gvmi serve</c>: the access log, errors on standard error, slow and idle clients, stopping on a signal.</summary>
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ServeOperationsTests
{
    private string _directory = null!;
    private byte[] _content = null!;

    [SetUp]
    public async Task CreateImage()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-serve-ops-").FullName;
        _content = new byte[8 << 20];
        new Random(5).NextBytes(_content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "big.gvmi"), _content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "small.gvmi"), _content.AsSpan(0, 1000).ToArray());
    }

    [TearDown]
    public void DeleteImage() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task AccessLog_OneLinePerRequestWithClientRangeStatusBytesAndDuration()
    {
        await using var serve = await ServeHarness.StartAsync([_directory]);
        using var client = serve.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "small.gvmi?x=1");
        request.Headers.Range = new RangeHeaderValue(10, 19);
        (await client.SendAsync(request)).Dispose();
        (await client.GetAsync("missing.gvmi")).Dispose();
        await serve.RawAsync("GET /%0aforged HTTP/1.0\r\n\r\n");

        var lines = serve.Log.Lines;
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[0], Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1:\d+ ""GET /small\.gvmi\?x=1 HTTP/1\.1"" range=""bytes=10-19"" 206 10 \d+\.\dms$"));
        Assert.That(lines[1], Does.Match(@" ""GET /missing\.gvmi HTTP/1\.1"" range=""-"" 404 11 \d+\.\dms$"));
        Assert.That(lines[2], Does.Contain("\"GET /%0aforged HTTP/1.0\" range=\"-\" 404"), "the raw target: an encoded newline cannot split the line");
    }

    [Test]
    public async Task Quiet_NoAccessLogButErrorsStillReported()
    {
        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Port = 0, Quiet = true });
        using var client = serve.Client();
        (await client.GetAsync("small.gvmi")).Dispose();
        var bad = await serve.RawAsync("GET /small.gvmi HTTP/1.1\r\n\r\n");

        Assert.That(serve.Log.Lines, Is.Empty);
        Assert.That(bad, Does.StartWith("HTTP/1.1 400"));
        await ServeHarness.WaitForAsync(() => serve.Errors.Lines.Any(l => l.Contains("bad request", StringComparison.OrdinalIgnoreCase)));
        Assert.That(serve.Errors.Lines.Single(l => l.Contains("bad request", StringComparison.OrdinalIgnoreCase)), Does.StartWith("gvmi serve: ").And.Contain("missing Host header"));
    }

    [Test]
    public async Task HeaderTimeout_ClientThatNeverFinishesItsHeadersIsDisconnected()
    {
        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Port = 0, HeaderTimeout = TimeSpan.FromSeconds(1) });
        using var idle = new TcpClient(AddressFamily.InterNetwork);
        await idle.ConnectAsync(IPAddress.Loopback, serve.Listening.Port);
        await idle.GetStream().WriteAsync("GET /small.gvmi HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        var stopwatch = Stopwatch.StartNew();

        using var reader = new StreamReader(idle.GetStream(), Encoding.ASCII);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = await reader.ReadToEndAsync(bound.Token);

        Assert.That(answer, Does.StartWith("HTTP/1.1 408"), "closed with 408 Request Timeout");
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(25)));
    }

    [Test]
    [Platform("Linux")]
    public async Task NeverReadingClients_200OfThemAtTheDefaultRule_AllCutWithinAMinuteMemoryBoundedOthersServed()
    {
        // Larger than what the kernel buffers per connection (a few MiB), so no response can end inside the buffers.
        var huge = Path.Combine(_directory, "huge.gvmi");
        await using (var file = File.Create(huge))
        {
            for (var i = 0; i < 8; i++)
            {
                await file.WriteAsync(_content);
            }
        }

        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Port = 0, Quiet = true });
        var baseline = WorkingSet();
        var peak = baseline;
        var kernelPeak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, WorkingSet());
                kernelPeak = Math.Max(kernelPeak, KernelTcpPages());
                await Task.Delay(250, CancellationToken.None);
            }
        });
        var stalled = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var socket = new TcpClient(AddressFamily.InterNetwork);
                stalled.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, serve.Listening.Port);
                await socket.GetStream().WriteAsync("GET /huge.gvmi HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            }

            var stopwatch = Stopwatch.StartNew();
            using var client = serve.Client();
            client.Timeout = TimeSpan.FromSeconds(30);
            Assert.That(await client.GetByteArrayAsync("big.gvmi"), Is.EqualTo(_content), "a reading client is served meanwhile");
            Assert.That(await client.GetStringAsync("/"), Does.Contain("huge.gvmi"));

            await ServeHarness.WaitForAsync(() => serve.Errors.Lines.Count(l => l.Contains("cut off", StringComparison.Ordinal)) >= 200, TimeSpan.FromSeconds(75));
            var elapsed = stopwatch.Elapsed;
            await sampling.CancelAsync();
            await sampler;

            var cuts = serve.Errors.Lines.Where(l => l.Contains("cut off", StringComparison.Ordinal)).ToList();
            Assert.That(cuts, Has.Count.EqualTo(200), "every non-reading client is cut, each once");
            Assert.That(cuts[0], Does.Match(@"^gvmi serve: cut off 127\.0\.0\.1:\d+: it received \d+ bytes in the last 10 s, under the 1024 bytes/s a client must read\.$"));
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "all cut within about a minute");
            foreach (var socket in stalled)
            {
                // What the client's kernel took is still readable; then the connection ends instead of waiting.
                Assert.That(await EndsAsync(socket), Is.True, "the server closed the connection");
            }

            var growth = (peak - baseline) >> 20;
            await TestContext.Out.WriteLineAsync($"200 non-reading clients cut in {elapsed.TotalSeconds:0.0} s; peak working set {peak >> 20} MiB ({growth} MiB above the start); peak kernel TCP memory {kernelPeak * Environment.SystemPageSize >> 20} MiB (whole machine)");
            Assert.That(growth, Is.LessThan(512), "memory stays bounded while 200 clients read nothing");
        }
        finally
        {
            await sampling.CancelAsync();
            stalled.ForEach(s => s.Dispose());
        }

        static async Task<bool> EndsAsync(TcpClient socket)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await socket.GetStream().CopyToAsync(Stream.Null, bound.Token);
                return true;
            }
            catch (IOException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        static long WorkingSet()
        {
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64;
        }

        static long KernelTcpPages()
        {
            // "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 350": mem is in pages.
            var fields = File.ReadLines("/proc/net/sockstat").FirstOrDefault(l => l.StartsWith("TCP:", StringComparison.Ordinal))?.Split(' ') ?? [];
            var at = Array.IndexOf(fields, "mem");
            return at >= 0 && at + 1 < fields.Length && long.TryParse(fields[at + 1], System.Globalization.CultureInfo.InvariantCulture, out var pages) ? pages : 0;
        }
    }

    [TestCase("TERM", 0)]
    [TestCase("INT", 130)]
    public async Task Signal_StopsWithinTheBoundCuttingARunningTransfer(string signal, int expectedExitCode)
    {
        using var serve = GvmiServeProcess.Start([_directory, "--port", "0", "--quiet"]);
        var baseAddress = await serve.WaitUntilServingAsync();
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await client.GetAsync(new Uri(baseAddress, "big.gvmi"), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1000];
        await body.ReadExactlyAsync(first);

        var stopwatch = Stopwatch.StartNew();
        serve.Signal(signal);
        var (exitCode, error) = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(expectedExitCode), "SIGTERM is a server's normal end; Ctrl-C is 130 as for every gvmi command");
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "1.5 s for transfers plus the process's own exit");
        Assert.That(error, Does.Contain("gvmi serve: stopping: no new connections; running transfers get 1.5 s to finish."));
        Assert.That(async () => await body.CopyToAsync(Stream.Null), Throws.InstanceOf<IOException>().Or.InstanceOf<HttpRequestException>(), "the stalled transfer was cut, not left hanging");
    }

    [Test]
    public async Task Stop_TransferThatEndsWithinTheBound_Finishes()
    {
        var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Port = 0, ShutdownTimeout = TimeSpan.FromSeconds(20) });
        using var client = serve.Client();
        using var response = await client.GetAsync("big.gvmi", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1000];
        await body.ReadExactlyAsync(first);

        var stopping = serve.DisposeAsync().AsTask();
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest);
        await stopping;

        Assert.That(first.Concat(rest.ToArray()), Is.EqualTo(_content), "the running transfer finished before the server stopped");
        Assert.That(serve.Log.Lines.Single(), Does.Contain(" 200 " + _content.Length + " ").And.Not.EndsWith("aborted"));
    }
}
