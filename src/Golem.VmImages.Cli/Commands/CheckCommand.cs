using System.CommandLine;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi check SUMSFILE...</c>: verifies files against <c>sha3sum</c> lines, as <c>sha3sum -c</c>. This is the
/// definition (arguments and options) with its action.
/// </summary>
internal sealed class CheckCommand : Command
{
    public CheckCommand()
        : base("check", "Verify files against lines of `gvmi hash` / `sha3sum` output, as `sha3sum -c`; exit 1 on any failure.")
    {
        Arguments.Add(Sums);
        Options.Add(Algorithm);
        Checking.AddTo(this);
        Progress.AddTo(this);
        Action = new CheckAction(this);
    }

    public Argument<string[]> Sums { get; } = new("SUMSFILE")
    {
        Description = "Files of `<hex>  <file>` or `SHA3-224 (<file>) = <hex>` lines as printed by `gvmi hash` or `sha3sum`; `-` or none reads standard input.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<int> Algorithm { get; } = HashCommand.AlgorithmOption("Accept only lines of this SHA3 length (default: any of 224, 256, 384, 512).");

    public CheckOptions Checking { get; } = new();

    public ProgressOptions Progress { get; } = new("Print no OK line for each verified file, and no progress line.");

    public static Command Create() => new CheckCommand();

    /// <summary>Runs <c>gvmi check</c>.</summary>
    private sealed class CheckAction(CheckCommand command) : GvmiAction
    {
        protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var bits = parseResult.GetResult(command.Algorithm) is { Implicit: false } ? parseResult.GetValue(command.Algorithm) : (int?)null;
            return ChecksumVerifier.RunAsync(
                parseResult.GetValue(command.Sums) ?? [],
                command.Checking.Read(parseResult, bits, command.Progress.Quiet),
                Output(parseResult),
                Error(parseResult),
                command.Progress.Read(parseResult),
                cancellationToken);
        }
    }
}
