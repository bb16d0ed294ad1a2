using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi cache verify [--cache DIR] [--json]</c>: re-hashes every cached image and evicts those that no longer match.</summary>
internal sealed class CacheVerifyCommand : Command
{
    public CacheVerifyCommand()
        : base("verify", "Re-hash every cached image; evict those that no longer match (exit code 3 if any did).")
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
            var results = await CacheCommand.Open(parseResult, command.Cache).VerifyAllAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(command.Json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var (image, verified) in results)
                    {
                        writer.WriteStartObject();
                        CacheCommand.WriteImageFields(writer, image);
                        writer.WriteBoolean("verified", verified);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var (image, verified) in results)
                {
                    await output.WriteLineAsync((verified ? "OK       " : "EVICTED  ") + image.Digest + "  " + TerminalText.Escape(image.Path)).ConfigureAwait(false);
                }
            }

            return results.All(r => r.Verified) ? ExitCodes.Success : ExitCodes.Mismatch;
        }
    }
}
