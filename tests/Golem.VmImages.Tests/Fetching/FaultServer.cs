using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>What the server does wrong on one request.</summary>
public sealed record Fault
{
    public static Fault None { get; } = new();

    public long? ResetAfter { get; init; }

    public long? StallAfter { get; init; }

    public int? TrickleDelayMs { get; init; }

    public bool WrongBytes { get; init; }

    public bool IgnoreRange { get; init; }

    public long? ContentRangeStart { get; init; }

    public long? ContentRangeTotal { get; init; }

    public bool OmitContentRange { get; init; }

    public long? ContentLength { get; init; }

    public int? Status { get; init; }

    public string? RetryAfter { get; init; }

    public string? RedirectTo { get; init; }

    public bool NoContentLength { get; init; }

    public bool Gzip { get; init; }

    public byte[]? Body { get; init; }

    public string? ContentDisposition { get; init; }

    public int? ChunkDelayMs { get; init; }
}

public sealed record RecordedRequest(int Index, string Scheme, int Port, string Path, string? Range, string? IfRange, string? Authorization, string? AcceptEncoding);

/// <summary>An in-process Kestrel server on loopback that serves <see cref="Body"/> like a static file server, with a fault switch per request.</summary>
public sealed class FaultServer : IAsyncDisposable
{
    private LoopbackServer _host = null!;
    private int _count;
    private long _bytesSent;

    private FaultServer()
    {
    }

    public byte[] Body { get; set; } = [];

    public string? ETag { get; set; } = "\"v1\"";

    public DateTimeOffset? LastModified { get; set; } = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public Func<int, Fault> Faults { get; set; } = _ => Fault.None;

    /// <summary>Gets or sets bodies served by path instead of <see cref="Body"/>.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the <c>Authorization</c> header every request must carry (else 401), or <see langword="null"/>.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>Gets or sets the query string every request must carry (else 403), or <see langword="null"/>.</summary>
    public string? RequiredQuery { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int RequestCount => Volatile.Read(ref _count);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public Uri HttpUrl { get; private set; } = null!;

    public Uri SecondHttpUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    public Uri Image(string path = "image.gvmi") => new(HttpUrl, path);

    public static async Task<FaultServer> StartAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        var server = new FaultServer();
        server._host = await LoopbackServer.StartAsync(
            app => app.Run(server.HandleAsync),
            k =>
            {
                k.Listen(IPAddress.Loopback, 0);
                k.Listen(IPAddress.Loopback, 0);
                k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate));
            });
        var addresses = server._host.Addresses;
        var http = addresses.Where(a => a.Scheme == "http").OrderBy(a => a.Port).ToList();
        server.HttpUrl = http[0];
        server.SecondHttpUrl = http[1];
        server.HttpsUrl = addresses.Single(a => a.Scheme == "https");
        return server;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        var fault = Faults(index);
        var req = context.Request;
        Requests.Enqueue(new RecordedRequest(index, req.Scheme, context.Connection.LocalPort, req.Path.Value ?? string.Empty, req.Headers.Range.ToString() is { Length: > 0 } r ? r : null,
            req.Headers.IfRange.ToString() is { Length: > 0 } ir ? ir : null, req.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, req.Headers.AcceptEncoding.ToString()));
        var response = context.Response;
        if (RequiredAuthorization is not null && req.Headers.Authorization.ToString() != RequiredAuthorization)
        {
            response.StatusCode = 401;
            return;
        }

        if (RequiredQuery is not null && req.QueryString.Value != RequiredQuery)
        {
            response.StatusCode = 403;
            return;
        }

        if (fault.RedirectTo is not null)
        {
            response.StatusCode = 302;
            response.Headers.Location = fault.RedirectTo;
            return;
        }

        if (fault.Status is { } status)
        {
            response.StatusCode = status;
            if (fault.RetryAfter is not null)
            {
                response.Headers.RetryAfter = fault.RetryAfter;
            }

            await response.WriteAsync("<html>error page</html>");
            return;
        }

        var body = fault.Body ?? (Files.TryGetValue(req.Path.Value ?? string.Empty, out var file) ? file : Body);
        if (fault.WrongBytes && body.Length > 0)
        {
            body = (byte[])body.Clone();
            body[^1] ^= 0xFF;
        }

        if (ETag is not null)
        {
            response.Headers.ETag = ETag;
        }

        if (LastModified is { } lastModified)
        {
            response.Headers.LastModified = lastModified.ToString("R");
        }

        if (fault.ContentDisposition is not null)
        {
            response.Headers.ContentDisposition = fault.ContentDisposition;
        }

        response.Headers.AcceptRanges = "bytes";
        long start = 0;
        var rangeHeader = req.Headers.Range.ToString();
        var ifRange = req.Headers.IfRange.ToString();
        var rangeValid = ifRange.Length == 0 || ifRange == ETag || (LastModified is { } lm && ifRange == lm.ToString("R"));
        if (rangeHeader.StartsWith("bytes=", StringComparison.Ordinal) && rangeHeader.EndsWith('-') && rangeValid && !fault.IgnoreRange)
        {
            start = long.Parse(rangeHeader[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= body.Length)
            {
                response.StatusCode = 416;
                response.Headers.ContentRange = $"bytes */{body.Length}";
                return;
            }

            response.StatusCode = 206;
            if (!fault.OmitContentRange)
            {
                response.Headers.ContentRange = $"bytes {fault.ContentRangeStart ?? start}-{body.Length - 1}/{fault.ContentRangeTotal ?? body.Length}";
            }
        }

        var payload = body.AsMemory((int)start);
        if (fault.Gzip)
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(payload.Span);
            }

            payload = compressed.ToArray();
            response.Headers.ContentEncoding = "gzip";
        }

        if (!fault.NoContentLength)
        {
            response.ContentLength = fault.ContentLength ?? payload.Length;
        }

        await response.StartAsync();
        long sent = 0;
        var chunk = fault.TrickleDelayMs is null ? 16384 : 1;
        while (sent < payload.Length)
        {
            var limit = fault.ResetAfter ?? fault.StallAfter ?? long.MaxValue;
            if (sent >= limit)
            {
                await response.Body.FlushAsync();
                if (fault.ResetAfter is not null)
                {
                    // A reset discards what the client has not read yet: give a loaded machine time to read it all.
                    await Task.Delay(500);
                    context.Abort();
                    return;
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }

            var n = (int)Math.Min(Math.Min(chunk, payload.Length - sent), limit - sent);
            try
            {
                await response.Body.WriteAsync(payload.Slice((int)sent, n), context.RequestAborted);
                Interlocked.Add(ref _bytesSent, n);
                sent += n;
                if ((fault.TrickleDelayMs ?? fault.ChunkDelayMs) is { } delay)
                {
                    await response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(delay, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                return;
            }
        }

        if (fault.ResetAfter is { } after && after >= payload.Length)
        {
            // The reset discards whatever the client has not read yet: give a loaded machine time to read it all.
            await response.Body.FlushAsync();
            await Task.Delay(500);
            context.Abort();
        }
    }
}
