using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Golem.VmImages.Cli;

/// <summary>
/// The one progress renderer of <c>gvmi</c>'s long commands (hash, check, package, fetch, build, publish, push): one
/// line on standard error (label, bytes, percentage, rate, ETA) redrawn a few times a second through a Spectre.Console
/// <see cref="IAnsiConsole"/>, cut to the terminal's width so it never wraps, and erased before any result is printed
/// through <see cref="WriteLineAsync"/> and when done. Where standard error is not a terminal (<c>--progress always</c>
/// into a file or pipe) each redraw is a line of its own.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    /// <summary>
    /// In <see cref="ProgressMode.Auto"/> the line first appears this long after the start, whatever the size of the
    /// work: long work shows progress within about a second, quick work finishes before anything is drawn.
    /// </summary>
    public static readonly TimeSpan AutoDelay = TimeSpan.FromSeconds(1);

    private readonly IAnsiConsole _console;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task? _loop;
    private readonly CancellationTokenRegistration _stopRegistration;
    private readonly TimeSpan _firstDraw;
    private string _label;
    private long _total;
    private long _done;
    private bool _drawn;

    private ProgressDisplay(TextWriter error, string label, long total, ProgressSettings settings, CancellationToken cancellationToken)
    {
        _stopRegistration = cancellationToken.Register(_stop.Cancel);
        _console = settings.Terminal ?? ConsoleFor(error);
        _time = settings.Time;
        _started = _time.GetTimestamp();
        _label = label;
        _total = total;
        var draw = settings.Mode switch
        {
            ProgressMode.Always => true,
            ProgressMode.Never => false,
            _ => _console.Profile.Out.IsTerminal,
        };
        _firstDraw = settings.Mode == ProgressMode.Auto ? AutoDelay : TimeSpan.Zero;
        _loop = draw ? RedrawPeriodicallyAsync(settings.RedrawInterval) : null;
    }

    /// <summary>Starts a display for work of <paramref name="totalBytes"/> bytes (negative when unknown), drawn in <see cref="ProgressMode.Auto"/>.</summary>
    public static ProgressDisplay Start(TextWriter error, string label, long totalBytes) => new(error, label, totalBytes, ProgressSettings.Default, CancellationToken.None);

    /// <summary>
    /// Starts a display for work of <paramref name="totalBytes"/> bytes (negative when unknown); it stops drawing and
    /// erases its line once <paramref name="cancellationToken"/> is canceled (Ctrl-C).
    /// </summary>
    public static ProgressDisplay Start(TextWriter error, string label, long totalBytes, ProgressSettings settings, CancellationToken cancellationToken = default) =>
        new(error, label, totalBytes, settings, cancellationToken);

    /// <summary>Whether the display draws at all.</summary>
    public bool IsDrawing => _loop is not null;

    /// <summary>A progress sink for one file (it receives that file's running total), or null when nothing is drawn.</summary>
    public IProgress<long>? ForFile() => _loop is null ? null : new FileProgress(this);

    /// <summary>Sets what the line shows: the label, the bytes done so far and the total (negative when unknown).</summary>
    public void Update(string label, long done, long total)
    {
        lock (_gate)
        {
            _label = label;
            _total = total;
            Interlocked.Exchange(ref _done, done);
        }
    }

    /// <summary>Writes a result line to <paramref name="target"/>, erasing the progress line first so the two never share a line.</summary>
    public async Task WriteLineAsync(TextWriter target, string line)
    {
        lock (_gate)
        {
            Erase();
        }

        await target.WriteLineAsync(line).ConfigureAwait(false);
        await target.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Draws the line for the current state now (the redraw loop does so at <see cref="ProgressSettings.RedrawInterval"/>).</summary>
    public void Redraw()
    {
        if (_loop is null)
        {
            return;
        }

        lock (_gate)
        {
            var line = Describe(_label, Interlocked.Read(ref _done), _total, _time.GetElapsedTime(_started), _console.Profile.Width);
            if (_console.Profile.Capabilities.Ansi)
            {
                _console.WriteAnsi(writer => writer.CursorHorizontalAbsolute(1).Write(line).EraseInLine(0));
                _drawn = true;
            }
            else
            {
                _console.Profile.Out.Writer.WriteLine(line);
            }

            _console.Profile.Out.Writer.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopRegistration.DisposeAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            lock (_gate)
            {
                Erase();
            }
        }

        _stop.Dispose();
    }

    /// <summary>The estimated time left: <c>mm:ss</c>, or <c>h:mm:ss</c> from one hour on.</summary>
    public static string FormatEta(TimeSpan eta) => eta >= TimeSpan.FromHours(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)eta.TotalHours}:{eta.Minutes:00}:{eta.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{eta.Minutes:00}:{eta.Seconds:00}");

    /// <summary>The line for the given state, cut to fewer terminal cells than <paramref name="width"/> so it never wraps.</summary>
    public static string Describe(string label, long done, long total, TimeSpan elapsed, int width)
    {
        var rate = done / Math.Max(elapsed.TotalSeconds, 0.001);
        var line = total > 0
            ? $"{label}: {ByteSize.Format(done)} of {ByteSize.Format(total)} ({Math.Min(100, 100.0 * done / total).ToString("0", CultureInfo.InvariantCulture)}%), {ByteSize.Format((long)rate)}/s, ETA {FormatEta(rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - done) / rate) : TimeSpan.Zero)}"
            : $"{label}: {ByteSize.Format(done)}, {ByteSize.Format((long)rate)}/s";
        return Segment.Truncate(new Segment(TerminalText.Escape(line)), Math.Max(1, width - 1))?.Text ?? string.Empty;
    }

    /// <summary>
    /// A console on <paramref name="error"/> that speaks ANSI only when it is a terminal, so a file or pipe never
    /// receives escape sequences.
    /// </summary>
    private static IAnsiConsole ConsoleFor(TextWriter error)
    {
        var output = new AnsiConsoleOutput(error);
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = output.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
    }

    private void Erase()
    {
        if (_drawn)
        {
            _console.WriteAnsi(writer => writer.CursorHorizontalAbsolute(1).EraseInLine(2));
            _console.Profile.Out.Writer.Flush();
            _drawn = false;
        }
    }

    private async Task RedrawPeriodicallyAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_time.GetElapsedTime(_started) >= _firstDraw)
                {
                    Redraw();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            Erase();
        }
    }

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
