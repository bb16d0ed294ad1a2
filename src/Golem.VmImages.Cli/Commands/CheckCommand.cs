using System.CommandLine;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi check SUMSFILE</c>: verifies files against <c>sha3sum -a 224</c> lines.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Verify files against lines of `gvmi hash` / `sha3sum -a 224` output.");
        return command;
    }
}
