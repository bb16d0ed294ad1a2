using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi cache list [--cache DIR] [--json]</c>: the cached images, then the OCI blobs registry builds pulled, each
/// least recently used first.
/// </summary>
internal sealed class CacheListCommand : Command
{
    public CacheListCommand()
        : base("list", "List cached images, then pulled OCI blobs (layers, configs, manifests), least recently used first: digest, size, last use (UTC), path.")
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
            var (imageCache, blobCache) = CacheCommand.Open(parseResult, command.Cache);
            var images = imageCache.List().Select(CacheEntry.Of).ToList();
            var blobs = blobCache.List().Select(CacheEntry.Of).ToList();
            if (parseResult.GetValue(command.Json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartObject();
                    CacheCommand.WriteEntries(writer, "images", images);
                    CacheCommand.WriteEntries(writer, "ociBlobs", blobs);
                    writer.WriteNumber("totalBytes", images.Sum(i => i.Length) + blobs.Sum(b => b.Length));
                    writer.WriteEndObject();
                })).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await WriteSectionAsync(output, images, "image(s)").ConfigureAwait(false);
            if (blobs.Count > 0)
            {
                await WriteSectionAsync(output, blobs, "OCI blob(s) pulled by gvmi build").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }

        private static async Task WriteSectionAsync(TextWriter output, List<CacheEntry> entries, string what)
        {
            foreach (var entry in entries)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{entry.Digest}  {ByteSize.Format(entry.Length),10}  {entry.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}  {TerminalText.Escape(entry.Path)}")).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{entries.Count} {what}, {ByteSize.Format(entries.Sum(i => i.Length))}")).ConfigureAwait(false);
        }
    }
}
