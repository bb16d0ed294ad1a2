using System.CommandLine;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi hash [-a BITS] [--tag] FILE...</c>: prints SHA3 hashes as <c>sha3sum</c> does; <c>-c</c> checks them.
/// This is the definition (arguments and options); <see cref="HashAction"/> runs it.
/// </summary>
internal sealed class HashCommand : Command
{
    public HashCommand()
        : base("hash", "Print the SHA3 hash of each FILE as `<hex>  <FILE>`, exactly like `sha3sum -a 224` (the Golem image hash).")
    {
        Arguments.Add(Files);
        Algorithm.DefaultValueFactory = _ => ImageHash.SizeInBytes * 8;
        foreach (var option in (Option[])[Algorithm, Tag, Json, Check])
        {
            Options.Add(option);
        }

        Checking.AddTo(this);
        Progress.AddTo(this);
        Action = new HashAction(this);
    }

    public Argument<string[]> Files { get; } = new("FILE")
    {
        Description = "Files to hash (with -c: files of sums to check); `-` or none reads standard input. Several files are hashed in parallel, printed in order.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<int> Algorithm { get; } = AlgorithmOption("The SHA3 length: 224 (the image hash, default), 256, 384 or 512.");

    public Option<bool> Tag { get; } = new("--tag") { Description = "Print BSD-style lines: `SHA3-224 (FILE) = <hex>`." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print a JSON array of {file, algorithm, hash, size} (or {file, error}) instead of lines." };

    public Option<bool> Check { get; } = new("--check", "-c") { Description = "Read sums from the FILEs and check them (same as `gvmi check`)." };

    public CheckOptions Checking { get; } = new();

    public ProgressOptions Progress { get; } = new("Print no progress line; with -c, also no OK line for each verified file.");

    public static Command Create() => new HashCommand();

    /// <summary>The files to read: those given, or standard input.</summary>
    public string[] ReadFiles(ParseResult parseResult) =>
        parseResult.GetValue(Files) is { Length: > 0 } given ? given : [ParallelFileHasher.StandardInputName];

    /// <summary>The options of a check (<c>-c</c>); a usage error when an option meant only for hashing is given.</summary>
    public ChecksumCheckOptions ReadCheckOptions(ParseResult parseResult)
    {
        if (parseResult.GetValue(Tag) || parseResult.GetValue(Json))
        {
            throw new UsageException($"the {(parseResult.GetValue(Tag) ? "--tag" : "--json")} option is meaningless when verifying checksums");
        }

        var bits = parseResult.GetResult(Algorithm) is { Implicit: false } ? parseResult.GetValue(Algorithm) : (int?)null;
        return Checking.Read(parseResult, bits, Progress.Quiet);
    }

    /// <summary>A usage error when an option meant only for a check, or both --tag and --json, are given to a hash.</summary>
    public void RefuseCheckOnlyOptions(ParseResult parseResult)
    {
        if (Checking.FirstGiven(parseResult) is { } onlyForCheck)
        {
            throw new UsageException($"the {onlyForCheck} option is meaningful only when verifying checksums");
        }

        if (parseResult.GetValue(Tag) && parseResult.GetValue(Json))
        {
            throw new UsageException(ErrorText.ExclusiveOptions("--tag", "--json"));
        }
    }

    /// <summary><c>-a/--algorithm 224|256|384|512</c>, as sha3sum's <c>-a</c>.</summary>
    public static Option<int> AlgorithmOption(string description)
    {
        var option = new Option<int>("--algorithm", "-a") { Description = description, HelpName = "224|256|384|512" };
        option.AcceptOnlyFromAmong("224", "256", "384", "512");
        return option;
    }

    /// <summary>Hashes <paramref name="names"/> in parallel and prints each line (or the JSON array) in order; 1 when any file failed.</summary>
    public static async Task<int> HashFilesAsync(
        string[] names, int bitLength, bool tag, bool json, TextWriter output, TextWriter error, ProgressSettings settings, CancellationToken cancellationToken)
    {
        var outcomes = new List<FileHashOutcome>(names.Length);
        var label = names.Length == 1 ? "hashing" : $"hashing {names.Length} files";
        var display = ProgressDisplay.Start(error, label, ParallelFileHasher.TotalFileBytes(names), settings, cancellationToken);
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(names, names.Select(_ => bitLength).ToList(), display, new FileHashStore(FileHashStore.DefaultDirectory), cancellationToken).ConfigureAwait(false))
        {
            outcomes.Add(outcome);
            if (json)
            {
                continue;
            }

            await (outcome.Succeeded
                ? display.WriteLineAsync(output, ChecksumLine.Format(outcome.Digest, outcome.Name, tag))
                : display.WriteLineAsync(error, $"{CliInvocation.ToolName}: {TerminalText.Escape(outcome.Name)}: {outcome.Error}")).ConfigureAwait(false);
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
