using System.Globalization;
using Golem.VmImages.Building;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli;

/// <summary>
/// The progress line of <c>gvmi build</c>, on one <see cref="ProgressDisplay"/> that appears with the first report:
/// for a registry source the layers' download first (bytes of all layers, the layer being fetched) until every layer
/// is there, then the build's own passes (bytes of the layers read, of twice their stored size).
/// </summary>
internal sealed class BuildProgressDisplay(TextWriter error, string label, ProgressSettings settings, CancellationToken cancellationToken)
    : IProgress<GvmiBuildProgress>, IProgress<OciLayerProgress>, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, (long Done, long Total)> _layers = [];
    private ProgressDisplay? _display;
    private int _layerCount = -1;

    private bool Downloading => _layers.Count < _layerCount || _layers.Values.Any(l => l.Done < l.Total);

    public void Report(GvmiBuildProgress value)
    {
        lock (_gate)
        {
            if (!Downloading && value.TotalBytes > 0)
            {
                Display(value.TotalBytes).Update(label, value.BytesRead, value.TotalBytes);
            }
        }
    }

    public void Report(OciLayerProgress value)
    {
        lock (_gate)
        {
            _layerCount = value.LayerCount;
            _layers[value.LayerIndex] = (value.BytesDone, value.TotalBytes);
            if (Downloading)
            {
                var total = _layers.Values.Sum(l => l.Total);
                Display(total).Update(string.Create(CultureInfo.InvariantCulture, $"{label}: pulling layer {value.LayerIndex + 1} of {value.LayerCount}"), _layers.Values.Sum(l => l.Done), total);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            return _display?.DisposeAsync() ?? ValueTask.CompletedTask;
        }
    }

    private ProgressDisplay Display(long total) => _display ??= ProgressDisplay.Start(error, label, total, settings, cancellationToken);
}
