using Golem.VmImages.Building;

namespace Golem.VmImages.Cli;

/// <summary>
/// Shows a build's progress through <see cref="ProgressDisplay"/>, started at the first report (when the total is
/// known): bytes of layers read over both passes, rate and ETA, drawn as <paramref name="settings"/> say.
/// </summary>
internal sealed class BuildProgressDisplay(TextWriter error, string label, ProgressSettings settings, CancellationToken cancellationToken) : IProgress<GvmiBuildProgress>, IAsyncDisposable
{
    private ProgressDisplay? _display;
    private IProgress<long>? _bytes;

    public void Report(GvmiBuildProgress value)
    {
        if (_display is null && value.TotalBytes > 0)
        {
            _display = ProgressDisplay.Start(error, label, value.TotalBytes, settings, cancellationToken);
            _bytes = _display.ForFile();
        }

        _bytes?.Report(value.BytesRead);
    }

    public ValueTask DisposeAsync() => _display?.DisposeAsync() ?? ValueTask.CompletedTask;
}
