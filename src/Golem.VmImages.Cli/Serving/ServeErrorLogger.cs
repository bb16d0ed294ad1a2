using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Puts the server's own problems on standard error, one line each with their cause: warnings and errors from any
/// component, and the connection-level events an operator needs (bad requests, slow clients cut off, header
/// timeouts, failed TLS handshakes), which Kestrel logs below warning level.
/// </summary>
internal sealed class ServeErrorLogger(TextWriter error) : ILoggerProvider, ILogger
{
    /// <summary>Kestrel's names for the events worth an operator's attention although logged as information or debug.</summary>
    private static readonly HashSet<string> ConnectionEvents = new(StringComparer.Ordinal)
    {
        "ConnectionBadRequest",
        "RequestProcessingError",
        "ResponseMinimumDataRateNotSatisfied",
        "RequestBodyMinimumDataRateNotSatisfied",
        "ConnectionRejected",
        "AuthenticationFailed",
    };

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel < LogLevel.Warning && !(eventId.Name is { } name && ConnectionEvents.Contains(name)))
        {
            return;
        }

        var message = formatter(state, exception).ReplaceLineEndings(" ");
        error.WriteLine(exception is null
            ? ServeMessages.Line(message)
            : ServeMessages.Line($"{message} ({exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")})"));
    }
}
