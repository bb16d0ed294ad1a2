using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>A logger that keeps every line it is given, formatted, with its exception's full text and its structured values.</summary>
internal sealed class CapturingLogger : ILogger<Golem.VmImages.Fetching.ImageFetcher>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)) : string.Empty;
        Lines.Enqueue(formatter(state, exception) + " | " + values + " | " + exception);
    }
}
