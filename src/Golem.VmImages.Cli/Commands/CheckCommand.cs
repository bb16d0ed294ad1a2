using System.CommandLine;
using Golem.VmImages.Cli.Checksums;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi check SUMSFILE</c>: verifies files against <c>sha3sum -a 224</c> lines.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var sums = new Argument<string>("SUMSFILE")
        {
            Description = "A file of `<hex>  <file>` lines as printed by `gvmi hash` or `sha3sum -a 224`; `-` reads standard input.",
        };
        var command = new Command("check", "Verify files against lines of `gvmi hash` / `sha3sum -a 224` output; exit 1 on any failure.")
        {
            sums,
        };
        command.SetAction((parseResult, cancellationToken) => ChecksumVerifier.RunAsync(
            parseResult.GetRequiredValue(sums),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }
}
