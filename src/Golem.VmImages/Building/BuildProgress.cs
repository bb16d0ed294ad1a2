namespace Golem.VmImages.Building;

/// <summary>Adds up the bytes the layer streams read and reports them at most once per MiB.</summary>
internal sealed class BuildProgress(IProgress<GvmiBuildProgress>? target, long totalBytes) : IProgress<long>
{
    private const long Step = 1 << 20;
    private long _read;
    private long _lastReported = -Step;

    public GvmiBuildStage Stage { get; set; }

    public void Report(long value)
    {
        _read += value;
        if (target is not null && _read - _lastReported >= Step)
        {
            _lastReported = _read;
            target.Report(new GvmiBuildProgress(Stage, _read, totalBytes));
        }
    }
}
