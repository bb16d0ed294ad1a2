using System.CommandLine;
using System.Runtime.InteropServices;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi serve PATH... [--bind ADDRESS]... [--port N] [--public-url URL] [--tls-cert PEM --tls-key PEM] [--quiet]</c>:
/// self-hosts images over HTTP or HTTPS until Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Image files to serve, or folders whose *.gvmi files are served (picked up while running). Each is served at /<file name>.",
            Arity = ArgumentArity.OneOrMore,
        };
        var bind = new Option<string[]>("--bind")
        {
            Description = "An address to listen on: an IP address (127.0.0.1, ::1, 0.0.0.0, ::) or localhost; repeat for several. Loopback unless told otherwise.",
            DefaultValueFactory = _ => ["127.0.0.1"],
        };
        var port = new Option<int>("--port")
        {
            Description = "The TCP port; 0 picks a free one.",
            DefaultValueFactory = _ => 8000,
        };
        var publicUrl = new Option<string?>("--public-url")
        {
            Description = "The base URL providers use (behind a reverse proxy or CDN, or when bound to 0.0.0.0); the index and the listing advertise it. By default the bind address and port.",
        };
        var tlsCert = new Option<string?>("--tls-cert")
        {
            Description = "Serve https with this PEM certificate (chain); needs --tls-key.",
        };
        var tlsKey = new Option<string?>("--tls-key")
        {
            Description = "The PEM private key of --tls-cert.",
        };
        var quiet = new Option<bool>("--quiet", "-q")
        {
            Description = "No access log (one line per request on standard output); errors still go to standard error.",
        };
        var command = new Command("serve", "Serve .gvmi images over HTTP or HTTPS (Range, ETag, If-Range, HEAD) with an index of hashes, task packages and SDK snippets at /.")
        {
            paths,
            bind,
            port,
            publicUrl,
            tlsCert,
            tlsKey,
            quiet,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var url = parseResult.GetValue(publicUrl);
            return RunAsync(
                parseResult.GetRequiredValue(paths),
                url,
                new ServeOptions
                {
                    Bind = parseResult.GetRequiredValue(bind),
                    Port = parseResult.GetValue(port),
                    PublicUrl = url is not null && Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed : null,
                    TlsCertificatePath = parseResult.GetValue(tlsCert),
                    TlsKeyPath = parseResult.GetValue(tlsKey),
                    Quiet = parseResult.GetValue(quiet),
                },
                parseResult.InvocationConfiguration.Output,
                parseResult.InvocationConfiguration.Error,
                cancellationToken);
        });
        return command;
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled, then stops within the options' bound.</summary>
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
        catch (ServeStartupException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && server is not null)
        {
            await error.WriteLineAsync(ServeMessages.Stopping(options.ShutdownTimeout)).ConfigureAwait(false);
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
