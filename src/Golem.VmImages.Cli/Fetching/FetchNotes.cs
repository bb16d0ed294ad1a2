using System.Globalization;
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

        display.WriteLineAsync(error, "gvmi fetch: " + TerminalText.Escape(eventId.Id == 5 ? DescribeRetry(state) ?? formatter(state, exception) : formatter(state, exception))).GetAwaiter().GetResult();
    }

    /// <summary>"Attempt 2 of 5 in 1.4 s: why", with the wait in seconds rather than a raw <see cref="TimeSpan"/>.</summary>
    private static string? DescribeRetry<TState>(TState state)
    {
        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return null;
        }

        var fields = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        return fields.TryGetValue("Delay", out var delay) && delay is TimeSpan wait
            && fields.TryGetValue("Attempt", out var attempt) && fields.TryGetValue("MaxAttempts", out var maxAttempts) && fields.TryGetValue("Reason", out var reason)
            ? string.Create(CultureInfo.InvariantCulture, $"Attempt {attempt} of {maxAttempts} in {wait.TotalSeconds:0.0} s: {reason}")
            : null;
    }
}
