using System.CommandLine;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Runs <c>gvmi push</c>: reads the options and credentials, pushes with progress, prints the result.</summary>
internal sealed class PushAction(PushCommand command) : GvmiAction
{
    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var path = parseResult.GetRequiredValue(command.Image);
        if (ImageFileInput.SpecialFileProblem(path, allowDirectory: false) is { } problem)
        {
            throw new InputException($"{path}: {problem}");
        }

        // The access token travels in request bodies: never follow a redirect with it.
        using var client = HttpClients.Create(followRedirects: false);
        var registry = command.ReadRegistry(parseResult);
        var pushOptions = await command.ReadPushOptionsAsync(parseResult, cancellationToken).ConfigureAwait(false);
        var pusher = ImagePusher.Create(client, new ImageRegistryOptions { BaseAddress = registry }, command.ReadPusherOptions(parseResult));
        ImagePushResult result;
        var view = new PushCommand.PushProgressView(Error(parseResult), CommandName(parseResult), command.Progress.Read(parseResult));
        await using (view.ConfigureAwait(false))
        {
            pushOptions.Progress = view;
            try
            {
                result = await pusher.PushAsync(path, pushOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await view.DisposeAsync().ConfigureAwait(false);
                await Error(parseResult).WriteLineAsync(Note(parseResult, "cancelled; the registry keeps the chunks it stored, so the same command resumes.")).ConfigureAwait(false);
                return ExitCodes.Canceled;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw PushCommand.Explain(ex, path);
            }
        }

        await Output(parseResult).WriteAsync(command.Format(parseResult, result, pusher.BaseAddress)).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
