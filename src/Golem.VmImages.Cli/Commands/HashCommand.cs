using System.CommandLine;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi hash FILE...</c>: prints SHA3-224 image hashes in <c>sha3sum -a 224</c> format.</summary>
internal static class HashCommand
{
    public static Command Create()
    {
        var command = new Command("hash", "Print the SHA3-224 image hash of each FILE, like `sha3sum -a 224`.");
        return command;
    }
}
