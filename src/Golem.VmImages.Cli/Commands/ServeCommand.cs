using System.CommandLine;
using System.Net;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi serve PATH... [--bind ADDRESS] [--port N]</c>: self-hosts images over HTTP.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Image files to serve, or directories whose *.gvmi files are served. Each is served at /<file name>.",
            Arity = ArgumentArity.OneOrMore,
        };
        var bind = new Option<string>("--bind")
        {
            Description = "The address to listen on. Loopback unless told otherwise.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var port = new Option<int>("--port")
        {
            Description = "The TCP port; 0 picks a free one.",
            DefaultValueFactory = _ => 8000,
        };
        var command = new Command("serve", "Serve .gvmi images over HTTP (Range, ETag, If-Range, HEAD) with an index of hashes and task-package strings at /.")
        {
            paths,
            bind,
            port,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(paths),
            parseResult.GetRequiredValue(bind),
            parseResult.GetValue(port),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] paths, string bind, int port, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(bind, out var address))
        {
            await error.WriteLineAsync($"gvmi serve: '{bind}' is not an IP address; expected e.g. 127.0.0.1, ::1 or 0.0.0.0.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        IReadOnlyList<ServedImage> images;
        try
        {
            images = await ServedImageCatalog.LoadAsync(paths, error, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            await error.WriteLineAsync($"gvmi serve: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var server = await ImageServer.StartAsync(images, address, port, cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            await output.WriteLineAsync($"Serving {images.Count} image(s) at {server.BaseAddress} (Ctrl+C to stop):").ConfigureAwait(false);
            foreach (var image in images)
            {
                await output.WriteLineAsync("  " + ImageIndex.TaskPackageOf(image, server.BaseAddress)).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return ExitCodes.Success;
    }
}
