using System.Globalization;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;
using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Cli.Fetching;

/// <summary>
/// Prints the fetcher's notes a user should see as one line each, as curl prints its "Transient problem" warnings:
/// why an attempt is retried (status, timeout, reset, refused connection), from which byte a download resumes or why
/// it restarts. The progress line is erased first. Retries are summarised, one line per attempt at most: the attempt
/// line carries the reason (a broken transfer is not told again), a reason repeated from the previous attempt is
/// "the same failure", and a URL's final failure is left to the command's one error line unless another URL follows.
/// </summary>
internal sealed class FetchNotes(ProgressDisplay display, TextWriter error, string commandName, int urlCount = 1) : ILogger<ImageFetcher>
{
    private int _urlsFailed;
    private string? _lastReason;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        // The fetcher's retry, resume, restart, stall and URL-failure events; the final outcome is the command's own line.
        if (!IsEnabled(logLevel) || eventId.Id is not (4 or 5 or 6 or 7 or 8 or 11))
        {
            return;
        }

        if (eventId.Id == 4 && ++_urlsFailed >= urlCount)
        {
            return;
        }

        var line = eventId.Id == 5 ? DescribeRetry(state) ?? formatter(state, exception) : formatter(state, exception);
        display.WriteLineAsync(error, ErrorWriter.Note(commandName, line)).GetAwaiter().GetResult();
    }

    /// <summary>"Attempt 2 of 5 in 1.4 s: why", with the wait in seconds rather than a raw <see cref="TimeSpan"/>; a repeated reason is "the same failure".</summary>
    private string? DescribeRetry<TState>(TState state)
    {
        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return null;
        }

        var fields = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        if (!(fields.TryGetValue("Delay", out var delay) && delay is TimeSpan wait
            && fields.TryGetValue("Attempt", out var attempt) && fields.TryGetValue("MaxAttempts", out var maxAttempts) && fields.TryGetValue("Reason", out var reason)))
        {
            return null;
        }

        var why = reason?.ToString();
        var shown = why is not null && why == _lastReason ? "the same failure" : why;
        _lastReason = why;
        return string.Create(CultureInfo.InvariantCulture, $"Attempt {attempt} of {maxAttempts} in {wait.TotalSeconds:0.0} s: {shown}");
    }
}
