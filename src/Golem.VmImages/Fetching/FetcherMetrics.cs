using System.Diagnostics.Metrics;

namespace Golem.VmImages.Fetching;

/// <summary>The fetcher's <see cref="System.Diagnostics.Metrics"/> instruments, on the meter <see cref="MeterName"/>.</summary>
internal sealed class FetcherMetrics : IDisposable
{
    public const string MeterName = "Golem.VmImages.Fetching";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _fetches;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _verifyFailures;

    public FetcherMetrics(IMeterFactory? factory)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _bytes = _meter.CreateCounter<long>("golem.vmimages.fetch.bytes", "By", "Bytes received from image sources.");
        _fetches = _meter.CreateCounter<long>("golem.vmimages.fetch.count", "{fetch}", "Fetches completed, by outcome.");
        _retries = _meter.CreateCounter<long>("golem.vmimages.fetch.retries", "{retry}", "Attempts retried after a transient failure.");
        _cacheHits = _meter.CreateCounter<long>("golem.vmimages.cache.hits", "{hit}", "Fetches answered from the cache.");
        _verifyFailures = _meter.CreateCounter<long>("golem.vmimages.verify.failures", "{failure}", "Downloads or cached files that did not hash to the expected digest.");
    }

    public void Downloaded(long count) => _bytes.Add(count);

    public void Fetched(string outcome) => _fetches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Retried() => _retries.Add(1);

    public void CacheHit() => _cacheHits.Add(1);

    public void VerifyFailed() => _verifyFailures.Add(1);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
