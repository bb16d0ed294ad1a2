using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// Parses and runs a <c>gvmi</c> command line with the conventions every command shares: a parse error or an
/// unknown option is one line and exit code 2, <c>--</c> ends the options, Ctrl-C cancels the command and exits
/// 130 with one line, an unexpected failure is one line (never a stack trace), and <c>--help</c> ends with the
/// exit-code table.
/// </summary>
internal static class CliInvocation
{
    /// <summary>How long a command may take to wind down after Ctrl-C before gvmi exits without it.</summary>
    private static readonly TimeSpan InterruptGracePeriod = TimeSpan.FromSeconds(2);

    /// <summary>The name every message starts with.</summary>
    public const string ToolName = "gvmi";

    /// <summary>
    /// Runs <paramref name="args"/> against <paramref name="root"/>. With <paramref name="output"/> and
    /// <paramref name="error"/> left null the process's own streams are used and Ctrl-C (SIGINT) cancels the command.
    /// <paramref name="timeProvider"/> (the system clock by default) times the grace period after Ctrl-C.
    /// </summary>
    public static async Task<int> RunAsync(
        RootCommand root, IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        var stdout = output ?? Console.Out;
        var stderr = error ?? Console.Error;
        Prepare(root);

        // Response files (@FILE) are off: `gvmi hash @notes` hashes the file '@notes', as sha3sum would.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var commandName = NameOf(parseResult.CommandResult);
        if (parseResult.Action is not (HelpAction or ExitCodeHelpAction) && ParseErrorText.Describe(parseResult) is { } problem)
        {
            await stderr.WriteLineAsync($"{commandName}: {TerminalText.Escape(problem)}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"Try '{commandName} --help' for more information.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signal = output is null && error is null ? InterruptOnSigint(interrupt) : null;
        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        var invocation = parseResult.InvokeAsync(configuration, interrupt.Token);
        if (!await FinishesUnlessInterruptedAsync(invocation, timeProvider ?? TimeProvider.System, interrupt.Token).ConfigureAwait(false))
        {
            // A command blocked in a read that cannot be cancelled (a terminal or pipe on standard input) must not
            // keep the user waiting after Ctrl-C.
            await stderr.WriteLineAsync($"{commandName}: interrupted").ConfigureAwait(false);
            return ExitCodes.Canceled;
        }

        int exitCode;
        try
        {
            exitCode = await invocation.ConfigureAwait(false);
        }
        catch (Exception) when (interrupt.IsCancellationRequested)
        {
            // Whatever failed after Ctrl-C (a child tool that got the same signal, a canceled wait) was interrupted.
            exitCode = ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The one place a failure becomes a line and an exit code: every command throws, none prints its own.
            // A wrong command line adds the hint to --help; a server's refusal to start (a port in use, a bad --port)
            // is its one line, whatever its exit code.
            if (ex is UsageException or ArgumentException)
            {
                return await UsageErrorAsync(stderr, commandName, ErrorWriter.Sentence(ex)).ConfigureAwait(false);
            }

            await ErrorWriter.WriteAsync(stderr, commandName, ex).ConfigureAwait(false);
            return ExitCodes.Of(ex);
        }

        if (interrupt.IsCancellationRequested && exitCode != ExitCodes.Canceled)
        {
            await stderr.WriteLineAsync($"{commandName}: interrupted").ConfigureAwait(false);
            return ExitCodes.Canceled;
        }

        return exitCode;
    }

    /// <summary>
    /// Writes a usage error (a conflict the parser cannot see, thrown by an action as a <see cref="UsageException"/>)
    /// with the hint to --help, and returns exit code 2.
    /// </summary>
    private static async Task<int> UsageErrorAsync(TextWriter error, string commandName, string message)
    {
        await error.WriteLineAsync($"{commandName}: {TerminalText.Escape(message)}").ConfigureAwait(false);
        await error.WriteLineAsync($"Try '{commandName} --help' for more information.").ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    /// <summary>The command's full name as messages show it, for example <c>gvmi cache prune</c>.</summary>
    public static string NameOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is CommandResult command; current = command.Parent)
        {
            names.Add(command.Command is RootCommand ? ToolName : command.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// Waits for <paramref name="invocation"/>; once <paramref name="interrupt"/> fires, waits at most
    /// <see cref="InterruptGracePeriod"/> more (time for a command to say what it kept). False when it did not finish.
    /// </summary>
    private static async Task<bool> FinishesUnlessInterruptedAsync(Task<int> invocation, TimeProvider timeProvider, CancellationToken interrupt)
    {
        var interrupted = new TaskCompletionSource();
        using (interrupt.Register(interrupted.SetResult))
        {
            if (await Task.WhenAny(invocation, interrupted.Task).ConfigureAwait(false) == invocation)
            {
                return true;
            }
        }

        return await Task.WhenAny(invocation, Task.Delay(InterruptGracePeriod, timeProvider, CancellationToken.None)).ConfigureAwait(false) == invocation;
    }

    private static void Prepare(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction standard)
            {
                help.Action = new ExitCodeHelpAction(standard);
            }
        }
    }

    /// <summary>The first Ctrl-C cancels the command (which then exits 130); a second one ends the process at once.</summary>
    private static PosixSignalRegistration InterruptOnSigint(CancellationTokenSource interrupt) =>
        PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (interrupt.IsCancellationRequested)
            {
                return;
            }

            context.Cancel = true;
            interrupt.Cancel();
        });
}
