using System.Net;
using System.Net.Sockets;
using System.Text;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary>An in-process <c>gvmi serve</c> (catalog and Kestrel) on a free loopback port, with its access log and errors captured.</summary>
internal sealed class ServeHarness : IAsyncDisposable
{
    private ServeHarness(ServedImageCatalog catalog, ImageServer server, LineWriter log, LineWriter errors)
    {
        Catalog = catalog;
        Server = server;
        Log = log;
        Errors = errors;
    }

    public ServedImageCatalog Catalog { get; }

    public ImageServer Server { get; }

    public LineWriter Log { get; }

    public LineWriter Errors { get; }

    /// <summary>Where Kestrel listens (unlike <see cref="ImageServer.BaseAddress"/>, which may be a public URL).</summary>
    public Uri Listening => Server.ListenAddresses[0];

    public static async Task<ServeHarness> StartAsync(IReadOnlyList<string> paths, ServeOptions? options = null)
    {
        var log = new LineWriter();
        var errors = new LineWriter();
        var catalog = await ServedImageCatalog.OpenAsync(paths, errors, CancellationToken.None);
        options ??= new ServeOptions { Port = 0 };
        var server = await ImageServer.StartAsync(catalog, options, log, errors, CancellationToken.None);
        return new ServeHarness(catalog, server, log, errors);
    }

    public HttpClient Client() => new() { BaseAddress = Listening, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends <paramref name="request"/> as raw bytes on a new connection and returns everything the server sends until it closes.</summary>
    public async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, Listening.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="timeout"/> (30 s by default).</summary>
    public static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the condition did not become true in time");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Catalog.Dispose();
    }
}

/// <summary>A text writer many threads may write to while a test reads its lines.</summary>
internal sealed class LineWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string[] Lines
    {
        get
        {
            lock (_text)
            {
                return _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_text)
        {
            _text.Append(value).Append('\n');
        }
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
