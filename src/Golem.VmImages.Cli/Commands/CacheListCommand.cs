using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi cache list [--cache DIR] [--json]</c>: the cached images, least recently used first.</summary>
internal sealed class CacheListCommand : Command
{
    public CacheListCommand()
        : base("list", "List cached images, least recently used first: digest, size, last use (UTC), path.")
    {
        Options.Add(Cache);
        Options.Add(Json);
        Action = new CacheListAction(this);
    }

    public Option<string?> Cache { get; } = CacheCommand.CacheOption();

    public Option<bool> Json { get; } = CacheCommand.JsonOption();

    /// <summary>Runs <c>gvmi cache list</c>.</summary>
    private sealed class CacheListAction(CacheListCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var output = Output(parseResult);
            var images = CacheCommand.Open(parseResult, command.Cache).List();
            if (parseResult.GetValue(command.Json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartObject();
                    CacheCommand.WriteImages(writer, "images", images);
                    writer.WriteNumber("totalBytes", images.Sum(i => i.Length));
                    writer.WriteEndObject();
                })).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            foreach (var image in images)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{image.Digest}  {ByteSize.Format(image.Length),10}  {image.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}  {TerminalText.Escape(image.Path)}")).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{images.Count} image(s), {ByteSize.Format(images.Sum(i => i.Length))}")).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }
}
