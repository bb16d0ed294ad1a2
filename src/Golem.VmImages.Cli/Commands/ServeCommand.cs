using System.CommandLine;
using System.Runtime.InteropServices;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi serve PATH... [--bind ADDRESS]... [--port N] [--public-url URL] [--tls-cert PEM --tls-key PEM] [--quiet]</c>:
/// self-hosts images over HTTP or HTTPS until Ctrl+C or SIGTERM. This is the definition (arguments and options);
/// <see cref="ServeAction"/> runs it.
/// </summary>
internal sealed class ServeCommand : Command
{
    public ServeCommand()
        : base("serve", "Serve .gvmi images over HTTP or HTTPS (Range, ETag, If-Range, HEAD) with an index of hashes, task packages and SDK snippets at /.")
    {
        Arguments.Add(Paths);
        foreach (var option in (Option[])[Bind, Port, PublicUrl, TlsCert, TlsKey, Quiet])
        {
            Options.Add(option);
        }

        Action = new ServeAction(this);
    }

    public Argument<string[]> Paths { get; } = new("PATH")
    {
        Description = "Image files to serve, or folders whose *.gvmi files are served (picked up while running). Each is served at /<file name>.",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string[]> Bind { get; } = new("--bind")
    {
        Description = "An address to listen on: an IP address (127.0.0.1, ::1, 0.0.0.0, ::) or localhost; repeat for several. Loopback unless told otherwise.",
        DefaultValueFactory = _ => ["127.0.0.1"],
    };

    public Option<int> Port { get; } = new("--port")
    {
        Description = "The TCP port; 0 picks a free one.",
        DefaultValueFactory = _ => 8000,
    };

    public Option<string?> PublicUrl { get; } = new("--public-url")
    {
        Description = "The base URL providers use (behind a reverse proxy or CDN, or when bound to 0.0.0.0); the index and the listing advertise it. By default the bind address and port.",
    };

    public Option<string?> TlsCert { get; } = new("--tls-cert")
    {
        Description = "Serve https with this PEM certificate (chain); needs --tls-key.",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = "The PEM private key of --tls-cert.",
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "No access log (one line per request on standard output); errors still go to standard error.",
    };

    public static Command Create() => new ServeCommand();

    /// <summary>The server's options for what the command line asks.</summary>
    public ServeOptions ReadOptions(ParseResult parseResult)
    {
        var url = parseResult.GetValue(PublicUrl);
        return new ServeOptions
        {
            Bind = parseResult.GetRequiredValue(Bind),
            Port = parseResult.GetValue(Port),
            PublicUrl = url is not null && Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed : null,
            TlsCertificatePath = parseResult.GetValue(TlsCert),
            TlsKeyPath = parseResult.GetValue(TlsKey),
            Quiet = parseResult.GetValue(Quiet),
        };
    }

    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> is cancelled, then stops within the options' bound; a server
    /// that cannot start throws a <see cref="ServeStartupException"/>.
    /// </summary>
    public static async Task<int> RunAsync(string[] paths, string? publicUrl, ServeOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ServedImageCatalog? catalog = null;
        ImageServer? server = null;

        // SIGTERM (a service manager stopping it) is the normal end of a server: a graceful stop and exit 0. Ctrl-C
        // cancels through the command line's own token, which also stops gracefully.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            if (publicUrl is not null && options.PublicUrl is null)
            {
                throw new ServeStartupException(ExitCodes.Usage, ServeMessages.BadPublicUrl(publicUrl));
            }

            catalog = await ServedImageCatalog.OpenAsync(paths, error, stop.Token).ConfigureAwait(false);
            server = await ImageServer.StartAsync(catalog, options, output, error, stop.Token).ConfigureAwait(false);
            var images = catalog.Images;
            await output.WriteLineAsync($"Serving {images.Count} image(s) at {server.BaseAddress} (listening on {string.Join(", ", server.ListenAddresses)}; Ctrl+C to stop):").ConfigureAwait(false);
            foreach (var image in images)
            {
                await output.WriteLineAsync("  " + ImageIndex.TaskPackageOf(image, server.BaseAddress)).ConfigureAwait(false);
            }

            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(Timeout.InfiniteTimeSpan, options.TimeProvider, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && server is not null)
        {
            await error.WriteLineAsync(ServeMessages.Line(ServeMessages.Stopping(options.ShutdownTimeout))).ConfigureAwait(false);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            catalog?.Dispose();
        }

        return ExitCodes.Success;
    }
}
