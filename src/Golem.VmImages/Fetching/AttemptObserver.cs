namespace Golem.VmImages.Fetching;

/// <summary>
/// Watches one attempt's transfer: re-arms the stall timer each time enough bytes arrived, counts the bytes for the
/// metrics, advances the download, and reports progress every few MiB.
/// </summary>
internal sealed class AttemptObserver(ResumableDownload download, CancellationTokenSource stall, TimeSpan stallTimeout, long stallWindowBytes, FetcherMetrics metrics, IProgress<ImageFetchProgress>? progress, TimeProvider time)
    : ITransferObserver
{
    private const long ProgressEvery = 4L << 20;
    private readonly long _started = time.GetTimestamp();
    private long _attemptBytes;
    private long _windowBytes;
    private long _lastReported = download.Offset;

    /// <summary>Gets the number of write-back hints the transfer gave the kernel.</summary>
    public int WriteBackHints { get; private set; }

    public void OnRead(int count)
    {
        Interlocked.Add(ref _attemptBytes, count);
        metrics.Downloaded(count);
        _windowBytes += count;
        if (_windowBytes >= stallWindowBytes)
        {
            _windowBytes = 0;
            try
            {
                stall.CancelAfter(stallTimeout);
            }
            catch (ObjectDisposedException)
            {
                // The attempt is over.
            }
        }
    }

    public void OnCommitted(long offset)
    {
        // The file and the hasher now both cover [0, offset): a failed attempt resumes from here.
        download.Advance(offset);
        if (progress is not null && offset - _lastReported >= ProgressEvery)
        {
            _lastReported = offset;
            progress.Report(Snapshot(ImageFetchPhase.Downloading));
        }
    }

    public void OnWriteBackHints(int hints) => WriteBackHints += hints;

    public ImageFetchProgress Snapshot(ImageFetchPhase phase)
    {
        var seconds = time.GetElapsedTime(_started).TotalSeconds;
        return download.Snapshot(phase, seconds > 0 ? Interlocked.Read(ref _attemptBytes) / seconds : 0);
    }
}
