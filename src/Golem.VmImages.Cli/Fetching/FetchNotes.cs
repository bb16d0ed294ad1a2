using Golem.VmImages.Fetching;
using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Cli.Fetching;

/// <summary>
/// Prints the fetcher's notes a user should see as one line each, as curl prints its "Transient problem" warnings:
/// why an attempt is retried (status, timeout, reset, refused connection), from which byte a download resumes or why
/// it restarts. The progress line is erased first.
/// </summary>
internal sealed class FetchNotes(ProgressDisplay display, TextWriter error) : ILogger<ImageFetcher>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        // The fetcher's retry, resume, restart, stall and broken-transfer events; the final outcome is the command's own line.
        if (!IsEnabled(logLevel) || eventId.Id is not (4 or 5 or 6 or 7 or 8 or 9 or 11))
        {
            return;
        }

        display.WriteLineAsync(error, "gvmi fetch: " + TerminalText.Escape(formatter(state, exception))).GetAwaiter().GetResult();
    }
}
