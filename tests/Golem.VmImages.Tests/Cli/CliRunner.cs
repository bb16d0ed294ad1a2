using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Tests.Cli;

/// <summary>Runs one <c>gvmi</c> command line in-process, through the tool's own invocation, and captures what it prints.</summary>
public static class CliRunner
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(Command command, params string[] args) =>
        RunAsync([command], args);

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<Command> commands, params string[] args) =>
        RunAsync(commands, CancellationToken.None, args);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<Command> commands, CancellationToken cancellationToken, params string[] args)
    {
        var root = new RootCommand();
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await CliInvocation.RunAsync(root, args, output, error, cancellationToken: cancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
