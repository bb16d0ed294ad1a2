using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Runs <c>gvmi serve</c>: serves the paths with the options given until Ctrl+C or SIGTERM.</summary>
internal sealed class ServeAction(ServeCommand command) : GvmiAction
{
    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        ServeCommand.RunAsync(
            parseResult.GetRequiredValue(command.Paths),
            parseResult.GetValue(command.PublicUrl),
            command.ReadOptions(parseResult),
            Output(parseResult),
            Error(parseResult),
            cancellationToken);
}
