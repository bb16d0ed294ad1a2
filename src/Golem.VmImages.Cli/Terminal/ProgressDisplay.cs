using System.Diagnostics;
using System.Globalization;

namespace Golem.VmImages.Cli;

/// <summary>
/// A one-line progress display on standard error for long hashes (bytes, percentage, rate, ETA), redrawn a few
/// times a second and erased when done. It draws only when standard error is a terminal and the work is long.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    /// <summary>Below this many bytes in total a hash is quick enough to need no display.</summary>
    private const long Threshold = 256L << 20;

    private readonly TextWriter _error;
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _loop;
    private long _done;

    private ProgressDisplay(TextWriter error, string label, long total)
    {
        _error = error;
        _label = label;
        _total = total;
        _loop = total >= Threshold && !Console.IsErrorRedirected ? RedrawAsync() : null;
    }

    public static ProgressDisplay Start(TextWriter error, string label, long totalBytes) => new(error, label, totalBytes);

    /// <summary>A progress sink for one file (it receives that file's running total), or null when nothing is drawn.</summary>
    public IProgress<long>? ForFile() => _loop is null ? null : new FileProgress(this);

    public async ValueTask DisposeAsync()
    {
        if (_loop is null)
        {
            _stop.Dispose();
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        await _error.WriteAsync("\r\u001b[K").ConfigureAwait(false);
    }

    private async Task RedrawAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await _error.WriteAsync("\r" + Describe() + "\u001b[K").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Describe()
    {
        var done = Interlocked.Read(ref _done);
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var rate = done / seconds;
        var eta = rate > 0 ? TimeSpan.FromSeconds((_total - done) / rate) : TimeSpan.Zero;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{_label}: {Size(done)} of {Size(_total)} ({100.0 * done / _total:0}%), {Size((long)rate)}/s, ETA {eta:mm\\:ss}");
    }

    private static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.00} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB");

    private sealed class FileProgress(ProgressDisplay display) : IProgress<long>
    {
        private long _reported;

        public void Report(long value)
        {
            Interlocked.Add(ref display._done, value - _reported);
            _reported = value;
        }
    }
}
