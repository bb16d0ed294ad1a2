using System.CommandLine;
using Golem.VmImages.Cli.Checksums;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi hash FILE...</c>: prints SHA3-224 image hashes in <c>sha3sum -a 224</c> format.</summary>
internal static class HashCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Files to hash; `-` or none reads standard input. Several files are hashed in parallel, printed in order.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {file, hash, size} (or {file, error}) instead of lines." };
        var check = new Option<string?>("--check", "-c")
        {
            Description = "Read SHA3-224 sums from this file and verify them (same as `gvmi check`).",
            HelpName = "SUMSFILE",
        };
        var command = new Command("hash", "Print the SHA3-224 image hash of each FILE as `<hex>  <FILE>`, exactly like `sha3sum -a 224`.")
        {
            files,
            json,
            check,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var sums = parseResult.GetValue(check);
            if (sums is not null)
            {
                return ChecksumVerifier.RunAsync(sums, output, error, cancellationToken);
            }

            var names = parseResult.GetValue(files) is { Length: > 0 } given ? given : [ParallelFileHasher.StandardInputName];
            return RunAsync(names, parseResult.GetValue(json), output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] names, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var outcomes = new List<FileHashOutcome>(names.Length);
        var label = names.Length == 1 ? "hashing" : $"hashing {names.Length} files";
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(names, error, label, ParallelFileHasher.TotalFileBytes(names), cancellationToken).ConfigureAwait(false))
        {
            outcomes.Add(outcome);
            if (json)
            {
                continue;
            }

            if (outcome.Succeeded)
            {
                await output.WriteLineAsync(ChecksumLine.Format(outcome.Hash, outcome.Name)).ConfigureAwait(false);
            }
            else
            {
                await error.WriteLineAsync($"gvmi: {outcome.Name}: {outcome.Error}").ConfigureAwait(false);
            }
        }

        if (json)
        {
            await output.WriteLineAsync(ToJson(outcomes)).ConfigureAwait(false);
        }

        return outcomes.TrueForAll(o => o.Succeeded) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static string ToJson(List<FileHashOutcome> outcomes)
    {
        return CliJson.Write(writer =>
        {
            writer.WriteStartArray();
            foreach (var outcome in outcomes)
            {
                writer.WriteStartObject();
                writer.WriteString("file", outcome.Name);
                if (outcome.Succeeded)
                {
                    writer.WriteString("hash", outcome.Hash.ToString());
                    if (outcome.Length >= 0)
                    {
                        writer.WriteNumber("size", outcome.Length);
                    }
                }
                else
                {
                    writer.WriteString("error", outcome.Error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
    }
}
