using System.CommandLine;
using System.CommandLine.Invocation;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// The base of every command's action: the command's definition (arguments and options) lives apart, and the action
/// reads the parsed values and does the work. A failure is thrown, not printed: <see cref="CliInvocation"/> writes it
/// as one line through <see cref="ErrorWriter"/> and exits with <see cref="ExitCodes.Of"/>.
/// </summary>
internal abstract class GvmiAction : AsynchronousCommandLineAction
{
    /// <inheritdoc/>
    public sealed override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default) =>
        ExecuteAsync(parseResult, cancellationToken);

    /// <summary>Runs the command and returns its exit code; throws on failure.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);

    /// <summary>Where results go (standard output).</summary>
    protected static TextWriter Output(ParseResult parseResult) => parseResult.InvocationConfiguration.Output;

    /// <summary>Where progress, notes and errors go (standard error).</summary>
    protected static TextWriter Error(ParseResult parseResult) => parseResult.InvocationConfiguration.Error;

    /// <summary>The command's name as its messages start, for example <c>gvmi cache prune</c>.</summary>
    protected static string CommandName(ParseResult parseResult) => CliInvocation.NameOf(parseResult.CommandResult);

    /// <summary>A note for standard error in the form of every message, <c>gvmi COMMAND: text</c> (<see cref="ErrorWriter.Note"/>).</summary>
    protected static string Note(ParseResult parseResult, string text) => ErrorWriter.Note(CommandName(parseResult), text);
}
