using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi cache verify [--cache DIR] [--json]</c>: re-hashes every cached image (SHA3) and every pulled OCI blob
/// (SHA-256) against its name and evicts those that no longer match.
/// </summary>
internal sealed class CacheVerifyCommand : Command
{
    public CacheVerifyCommand()
        : base("verify", "Re-hash every cached image and pulled OCI blob; evict those that no longer match their digest (exit code 3 if any did).")
    {
        Options.Add(Cache);
        Options.Add(Json);
        Action = new CacheVerifyAction(this);
    }

    public Option<string?> Cache { get; } = CacheCommand.CacheOption();

    public Option<bool> Json { get; } = CacheCommand.JsonOption();

    /// <summary>Runs <c>gvmi cache verify</c>.</summary>
    private sealed class CacheVerifyAction(CacheVerifyCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var output = Output(parseResult);
            var (images, blobs) = CacheCommand.Open(parseResult, command.Cache);
            var results = (await images.VerifyAllAsync(cancellationToken).ConfigureAwait(false)).Select(r => (Entry: CacheEntry.Of(r.Image), r.Verified))
                .Concat((await blobs.VerifyAllAsync(cancellationToken).ConfigureAwait(false)).Select(r => (Entry: CacheEntry.Of(r.Blob), r.Verified)))
                .ToList();
            if (parseResult.GetValue(command.Json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var (entry, verified) in results)
                    {
                        writer.WriteStartObject();
                        CacheCommand.WriteEntryFields(writer, entry);
                        writer.WriteBoolean("verified", verified);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var (entry, verified) in results)
                {
                    await output.WriteLineAsync((verified ? "OK       " : "EVICTED  ") + entry.Digest + "  " + TerminalText.Escape(entry.Path)).ConfigureAwait(false);
                }
            }

            return results.All(r => r.Verified) ? ExitCodes.Success : ExitCodes.Mismatch;
        }
    }
}
