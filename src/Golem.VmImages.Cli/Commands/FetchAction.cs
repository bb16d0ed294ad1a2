using System.CommandLine;
using Golem.VmImages.Cli.Fetching;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Runs <c>gvmi fetch</c>: resolves the sources, fetches with progress and notes, prints the path or JSON.</summary>
internal sealed class FetchAction(FetchCommand command) : GvmiAction
{
    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var options = command.ReadOptions(parseResult);
        var (digest, urls) = command.ReadSources(parseResult);
        var destination = parseResult.GetValue(command.Output);
        var settings = command.Progress.Read(parseResult);
        var display = ProgressDisplay.Start(Error(parseResult), "resolving", -1, settings, cancellationToken);
        await using (display.ConfigureAwait(false))
        {
            using var fetcher = new ImageFetcher(options, logger: settings.Mode == ProgressMode.Never ? null : new FetchNotes(display, Error(parseResult), CommandName(parseResult), urls.Length));
            try
            {
                var image = await fetcher.FetchAsync(digest, urls, new ImageFetchRequest { DestinationPath = destination, Progress = new FetchProgress(display) }, cancellationToken).ConfigureAwait(false);
                var asJson = parseResult.GetValue(command.Json);
                await display.WriteLineAsync(Output(parseResult), asJson ? FetchCommand.ToJson(image) : image.Path).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await display.WriteLineAsync(Error(parseResult), Note(parseResult, "interrupted; the partial download is kept for resuming.")).ConfigureAwait(false);
                return ExitCodes.Canceled;
            }
            // The fetcher's own word on a full volume names it, its free space and the reserve: it stands as it is.
            catch (Exception ex) when (ex is not (OperationCanceledException or ImageDownloadException { StatusCode: not null })
                && !(ex is ImageDownloadException && DiskException.IsDiskFull(ex))
                && DiskException.For(destination ?? options.CacheDirectory, ex) is { } disk)
            {
                throw disk;
            }
        }
    }
}
