using System.CommandLine;
using Golem.VmImages.Cli.Checksums;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi check SUMSFILE...</c>: verifies files against <c>sha3sum</c> lines, as <c>sha3sum -c</c>.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var sums = new Argument<string[]>("SUMSFILE")
        {
            Description = "Files of `<hex>  <file>` or `SHA3-224 (<file>) = <hex>` lines as printed by `gvmi hash` or `sha3sum`; `-` or none reads standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var algorithm = HashCommand.AlgorithmOption("Accept only lines of this SHA3 length (default: any of 224, 256, 384, 512).");
        var checking = new CheckOptions();
        var progress = new ProgressOptions("Print no OK line for each verified file, and no progress line.");
        var command = new Command("check", "Verify files against lines of `gvmi hash` / `sha3sum` output, as `sha3sum -c`; exit 1 on any failure.")
        {
            sums, algorithm,
        };
        checking.AddTo(command);
        progress.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => ChecksumVerifier.RunAsync(
            parseResult.GetValue(sums) ?? [],
            checking.Read(parseResult, parseResult.GetResult(algorithm) is { Implicit: false } ? parseResult.GetValue(algorithm) : null, progress.Quiet),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            progress.Read(parseResult),
            cancellationToken));
        return command;
    }
}
