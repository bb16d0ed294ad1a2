using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Oci;

/// <summary>
/// An HTTP proxy in front of a plain-http test registry that breaks blob downloads on purpose: answers 503 to the
/// first blob requests, cuts the first blob transfer halfway (a connection reset), or flips one byte of every blob.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly HttpClient _client;
    private int _unavailable;
    private int _cuts;

    private FaultProxy(LoopbackServer server, HttpClient client)
    {
        _server = server;
        _client = client;
    }

    /// <summary>Gets <c>127.0.0.1:port</c>.</summary>
    public string Host => _server.BaseAddress.Authority;

    /// <summary>Gets the Range headers of the blob requests, in order ("" for none).</summary>
    public List<string> BlobRanges { get; } = [];

    public static async Task<FaultProxy> StartAsync(string registryHost, int unavailable = 0, int cuts = 0, bool flipByte = false)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri("http://" + registryHost) };
        FaultProxy? proxy = null;
        var server = await LoopbackServer.StartAsync(app => app.Run(context => proxy!.ForwardAsync(context, flipByte)));
        proxy = new FaultProxy(server, client) { _unavailable = unavailable, _cuts = cuts };
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _client.Dispose();
    }

    private async Task ForwardAsync(HttpContext context, bool flipByte)
    {
        var isBlob = context.Request.Path.Value!.Contains("/blobs/", StringComparison.Ordinal);
        if (isBlob)
        {
            lock (BlobRanges)
            {
                BlobRanges.Add(context.Request.Headers.Range.ToString());
            }

            if (Interlocked.Decrement(ref _unavailable) >= 0)
            {
                context.Response.StatusCode = 503;
                context.Response.Headers.RetryAfter = "0";
                return;
            }
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        foreach (var name in new[] { "Authorization", "Accept", "Range" })
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is not ("Transfer-Encoding" or "Content-Length"))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        if (isBlob && body.Length > 1024 && response.IsSuccessStatusCode)
        {
            if (flipByte)
            {
                body[body.Length / 2] ^= 0x01;
            }

            if (Interlocked.Decrement(ref _cuts) >= 0)
            {
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    }
}
