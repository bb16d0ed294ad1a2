using System.CommandLine;

namespace Golem.VmImages.Tests.Cli;

/// <summary>Runs one <c>gvmi</c> command in-process and captures what it prints.</summary>
public static class CliRunner
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(Command command, params string[] args) =>
        RunAsync([command], args);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<Command> commands, params string[] args)
    {
        var root = new RootCommand();
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
