using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Golem.VmImages.Hashing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Serves a <see cref="ServedImageCatalog"/> with Kestrel: each image at <c>/&lt;name&gt;</c> (GET and HEAD, see
/// <see cref="ImageResponder"/>) and the index at <c>/</c>; any other path is 404, any other method 405. Listens on
/// the configured addresses (http, or https with a PEM certificate), bounds slow and idle clients, logs one line per
/// request, and advertises URLs from <see cref="ServeOptions.PublicUrl"/> or the bind address, never from the request.
/// </summary>
internal sealed class ImageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServeOptions _options;
    private readonly CancellationTokenSource _rescans = new();
    private X509Certificate2? _certificate;
    private Task _rescanLoop = Task.CompletedTask;
    private bool _stopped;

    private ImageServer(WebApplication app, ServeOptions options, Uri baseAddress, IReadOnlyList<Uri> listenAddresses)
    {
        _app = app;
        _options = options;
        BaseAddress = baseAddress;
        ListenAddresses = listenAddresses;
    }

    /// <summary>The base of every advertised URL (index, start-up listing).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The addresses Kestrel listens on.</summary>
    public IReadOnlyList<Uri> ListenAddresses { get; }

    /// <summary>
    /// Starts serving; <paramref name="accessLog"/> receives one line per request (unless <see cref="ServeOptions.Quiet"/>),
    /// <paramref name="error"/> the errors. A configuration that cannot work throws <see cref="ServeStartupException"/>.
    /// </summary>
    public static async Task<ImageServer> StartAsync(ServedImageCatalog catalog, ServeOptions options, TextWriter accessLog, TextWriter error, CancellationToken cancellationToken)
    {
        if (options.Port is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ServeStartupException(ExitCodes.Usage, ServeMessages.PortOutOfRange(options.Port));
        }

        var endpoints = ListenEndpoints.Parse(options.Bind);
        if (options.PublicUrl is { } publicUrl && !(publicUrl.IsAbsoluteUri && (publicUrl.Scheme == Uri.UriSchemeHttp || publicUrl.Scheme == Uri.UriSchemeHttps)))
        {
            throw new ServeStartupException(ExitCodes.Usage, ServeMessages.BadPublicUrl(publicUrl.OriginalString));
        }

        var certificate = LoadCertificate(options);
        var port = options.Port == 0 && endpoints.Addresses.Count > 1 ? FreePort(endpoints.Addresses[0]) : options.Port;
        var errors = TextWriter.Synchronized(error);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "gvmi" });
        builder.WebHost.UseKestrelCore();
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, endpoints, port, certificate));
        builder.Logging.AddProvider(new ServeErrorLogger(errors));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter<ServeErrorLogger>("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Debug);
        builder.Logging.AddFilter<ServeErrorLogger>("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        var app = builder.Build();
        var handler = new RequestHandler(catalog, new AccessLog(options.Quiet ? null : TextWriter.Synchronized(accessLog), options.TimeProvider), errors, options);
        app.Run(handler.HandleAsync);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            certificate?.Dispose();
            var where = string.Join(", ", endpoints.Addresses.Select(a => new IPEndPoint(a, port).ToString()));
            throw new ServeStartupException(ExitCodes.Failure, ServeMessages.CannotListen(where, ex), ex);
        }

        var listening = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a)).ToList();
        var scheme = certificate is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        var baseAddress = options.PublicUrl is { } url ? WithTrailingSlash(url) : new Uri($"{scheme}://{endpoints.UrlHost}:{listening[0].Port}/");
        var server = new ImageServer(app, options, baseAddress, listening) { _certificate = certificate };
        handler.BaseAddress.SetResult(baseAddress);
        server._rescanLoop = catalog.RescanPeriodicallyAsync(options.RescanInterval, options.TimeProvider, server._rescans.Token);
        if (options.PublicUrl is null && endpoints.IncludesWildcard)
        {
            await errors.WriteLineAsync(ServeMessages.Line(ServeMessages.WildcardWithoutPublicUrl(baseAddress))).ConfigureAwait(false);
        }

        return server;
    }

    /// <summary>Stops accepting connections and gives running transfers <see cref="ServeOptions.ShutdownTimeout"/> to finish, then cuts them.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _rescans.CancelAsync().ConfigureAwait(false);
        using var bound = new CancellationTokenSource(_options.ShutdownTimeout, _options.TimeProvider);
        await _app.StopAsync(bound.Token).ConfigureAwait(false);
        await _rescanLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _rescans.Dispose();
        _certificate?.Dispose();
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, ServeOptions options, ListenEndpoints endpoints, int port, X509Certificate2? certificate)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.RequestHeadersTimeout = options.HeaderTimeout;
        kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
        kestrel.Limits.MinResponseDataRate = new MinDataRate(options.MinDataRate, options.MinDataRateGracePeriod);
        kestrel.Limits.MaxRequestBodySize = 0;
        foreach (var address in endpoints.Addresses)
        {
            kestrel.Listen(address, port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        }
    }

    private static X509Certificate2? LoadCertificate(ServeOptions options)
    {
        if (options.TlsCertificatePath is null && options.TlsKeyPath is null)
        {
            return null;
        }

        if (options.TlsCertificatePath is not { } certificate || options.TlsKeyPath is not { } key)
        {
            throw new ServeStartupException(ExitCodes.Usage, ServeMessages.TlsPairIncomplete);
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ServeStartupException(ExitCodes.Failure, ServeMessages.TlsUnusable(certificate, key, ex), ex);
        }
    }

    /// <summary>A port free on <paramref name="address"/>, so that several addresses can share one when port 0 was asked for.</summary>
    private static int FreePort(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static Uri WithTrailingSlash(Uri url) =>
        url.AbsolutePath.EndsWith('/') ? url : new UriBuilder(url) { Path = url.AbsolutePath + "/" }.Uri;

    /// <summary>The one request delegate: dispatch, access log, and error reporting.</summary>
    private sealed class RequestHandler(ServedImageCatalog catalog, AccessLog accessLog, TextWriter error, ServeOptions options)
    {
        /// <summary>Known once Kestrel has bound its ports (port 0 picks one); a request cannot arrive much sooner.</summary>
        public TaskCompletionSource<Uri> BaseAddress { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(HttpContext context)
        {
            var start = accessLog.Start();
            var sent = new ResponseBytes();
            try
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                await DispatchAsync(context, sent).ConfigureAwait(false);
            }
            catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                // The client went away (or the server is stopping); the access-log line says "aborted".
            }
            catch (Exception ex)
            {
                var request = context.Request;
                await error.WriteLineAsync(ServeMessages.Line(ServeMessages.RequestFailed(request.Method, request.Path + request.QueryString, AccessLog.ClientOf(context), ex))).ConfigureAwait(false);
                if (context.Response.HasStarted)
                {
                    context.Abort();
                }
                else
                {
                    context.Response.Clear();
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                }
            }
            finally
            {
                accessLog.Write(context, start, sent.Count);
            }
        }

        private async Task DispatchAsync(HttpContext context, ResponseBytes sent)
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                context.Response.Headers.Allow = "GET, HEAD";
                await WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "text/plain; charset=utf-8", "Only GET and HEAD are served.\n", sent).ConfigureAwait(false);
                return;
            }

            var path = request.Path.Value ?? "/";
            if (path is "/" or "")
            {
                await WriteIndexAsync(context, sent).ConfigureAwait(false);
            }
            else if (path.IndexOf('/', 1) < 0)
            {
                await WriteImageAsync(context, path[1..], sent).ConfigureAwait(false);
            }
            else
            {
                await WriteNotFoundAsync(context, sent).ConfigureAwait(false);
            }
        }

        private async Task WriteIndexAsync(HttpContext context, ResponseBytes sent)
        {
            var images = catalog.Images;
            var baseAddress = await BaseAddress.Task.ConfigureAwait(false);
            var json = WantsJson(context.Request);
            context.Response.Headers.Vary = "Accept";
            context.Response.Headers.CacheControl = "no-cache";
            if (!json)
            {
                context.Response.Headers.ContentSecurityPolicy = ImageIndex.ContentSecurityPolicy;
            }

            await (json
                ? WriteTextAsync(context, StatusCodes.Status200OK, "application/json; charset=utf-8", ImageIndex.ToJson(images, baseAddress), sent)
                : WriteTextAsync(context, StatusCodes.Status200OK, "text/html; charset=utf-8", ImageIndex.ToHtml(images, baseAddress), sent)).ConfigureAwait(false);
        }

        private async Task WriteImageAsync(HttpContext context, string name, ResponseBytes sent)
        {
            // Checked twice: the file may change between the catalog's look at it and the open.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                if (await catalog.FindAsync(name, context.RequestAborted).ConfigureAwait(false) is not { } image)
                {
                    await WriteNotFoundAsync(context, sent).ConfigureAwait(false);
                    return;
                }

                Microsoft.Win32.SafeHandles.SafeFileHandle file;
                try
                {
                    file = File.OpenHandle(image.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    continue;
                }

                using (file)
                {
                    if (image.Matches(FileIdentity.Of(image.FilePath, file)))
                    {
                        // The slow-client rule counts what the client receives, not what the kernel buffers.
                        using var watch = ClientProgressWatch.Start(context, options, received =>
                            error.WriteLine(ServeMessages.Line(ServeMessages.SlowClientCut(AccessLog.ClientOf(context), received, options.MinDataRate, options.MinDataRateGracePeriod))));
                        await ImageResponder.RespondAsync(context, image, file, sent).ConfigureAwait(false);
                        return;
                    }
                }
            }

            context.Response.Headers.RetryAfter = "5";
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8", $"{name} is changing on disk; try again shortly.\n", sent).ConfigureAwait(false);
        }

        private static Task WriteNotFoundAsync(HttpContext context, ResponseBytes sent) =>
            WriteTextAsync(context, StatusCodes.Status404NotFound, "text/plain; charset=utf-8", "Not found.\n", sent);

        private static async Task WriteTextAsync(HttpContext context, int status, string contentType, string text, ResponseBytes sent)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            context.Response.ContentLength = bytes.Length;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            sent.Add(bytes.Length);
        }

        private static bool WantsJson(HttpRequest request)
        {
            var format = request.Query["format"];
            if (format.Count > 0)
            {
                return string.Equals(format[0], "json", StringComparison.OrdinalIgnoreCase);
            }

            var accept = request.GetTypedHeaders().Accept;
            return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
                && !accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
        }
    }
}
