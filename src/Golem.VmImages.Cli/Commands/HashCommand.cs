using System.CommandLine;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi hash [-a BITS] [--tag] FILE...</c>: prints SHA3 hashes as <c>sha3sum</c> does; <c>-c</c> checks them.</summary>
internal static class HashCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Files to hash (with -c: files of sums to check); `-` or none reads standard input. Several files are hashed in parallel, printed in order.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var algorithm = AlgorithmOption("The SHA3 length: 224 (the image hash, default), 256, 384 or 512.");
        algorithm.DefaultValueFactory = _ => ImageHash.SizeInBytes * 8;
        var tag = new Option<bool>("--tag") { Description = "Print BSD-style lines: `SHA3-224 (FILE) = <hex>`." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {file, algorithm, hash, size} (or {file, error}) instead of lines." };
        var check = new Option<bool>("--check", "-c") { Description = "Read sums from the FILEs and check them (same as `gvmi check`)." };
        var checking = new CheckOptions();
        var progress = new ProgressOptions("Print no progress line; with -c, also no OK line for each verified file.");
        var command = new Command("hash", "Print the SHA3 hash of each FILE as `<hex>  <FILE>`, exactly like `sha3sum -a 224` (the Golem image hash).")
        {
            files, algorithm, tag, json, check,
        };
        checking.AddTo(command);
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var names = parseResult.GetValue(files) is { Length: > 0 } given ? given : [ParallelFileHasher.StandardInputName];
            var settings = progress.Read(parseResult);
            if (parseResult.GetValue(check))
            {
                if (parseResult.GetValue(tag) || parseResult.GetValue(json))
                {
                    return await CliInvocation.UsageErrorAsync(parseResult, $"the {(parseResult.GetValue(tag) ? "--tag" : "--json")} option is meaningless when verifying checksums").ConfigureAwait(false);
                }

                var bits = parseResult.GetResult(algorithm) is { Implicit: false } ? parseResult.GetValue(algorithm) : (int?)null;
                return await ChecksumVerifier.RunAsync(names, checking.Read(parseResult, bits, progress.Quiet), output, error, settings, cancellationToken).ConfigureAwait(false);
            }

            if (checking.FirstGiven(parseResult) is { } onlyForCheck)
            {
                return await CliInvocation.UsageErrorAsync(parseResult, $"the {onlyForCheck} option is meaningful only when verifying checksums").ConfigureAwait(false);
            }

            if (parseResult.GetValue(tag) && parseResult.GetValue(json))
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.ExclusiveOptions("--tag", "--json")).ConfigureAwait(false);
            }

            return await RunAsync(names, parseResult.GetValue(algorithm), parseResult.GetValue(tag), parseResult.GetValue(json), output, error, settings, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary><c>-a/--algorithm 224|256|384|512</c>, as sha3sum's <c>-a</c>.</summary>
    public static Option<int> AlgorithmOption(string description)
    {
        var option = new Option<int>("--algorithm", "-a") { Description = description, HelpName = "224|256|384|512" };
        option.AcceptOnlyFromAmong("224", "256", "384", "512");
        return option;
    }

    private static async Task<int> RunAsync(
        string[] names, int bitLength, bool tag, bool json, TextWriter output, TextWriter error, ProgressSettings settings, CancellationToken cancellationToken)
    {
        var outcomes = new List<FileHashOutcome>(names.Length);
        var label = names.Length == 1 ? "hashing" : $"hashing {names.Length} files";
        var display = ProgressDisplay.Start(error, label, ParallelFileHasher.TotalFileBytes(names), settings, cancellationToken);
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(names, names.Select(_ => bitLength).ToList(), display, cancellationToken).ConfigureAwait(false))
        {
            outcomes.Add(outcome);
            if (json)
            {
                continue;
            }

            await (outcome.Succeeded
                ? display.WriteLineAsync(output, ChecksumLine.Format(outcome.Digest, outcome.Name, tag))
                : display.WriteLineAsync(error, $"gvmi: {TerminalText.Escape(outcome.Name)}: {outcome.Error}")).ConfigureAwait(false);
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
                    writer.WriteString("algorithm", outcome.Digest.AlgorithmName);
                    writer.WriteString("hash", outcome.Digest.ToString());
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
