using System.Diagnostics.Metrics;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>The fetcher's counters, read through a <see cref="MeterListener"/> on a meter factory of the test's own.</summary>
[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FetcherMetricsTests : FetcherTestBase
{
    [Test]
    public async Task TruncatedCacheFile_CountsOneVerifyFailureAndNoHit()
    {
        Server.Body = MakeBody(1 << 20);
        var digest = DigestOf(Server.Body);
        using var meters = new OwnMeters();
        using var fetcher = new ImageFetcher(Options(), TrustingClient(), null, null, null, meters);
        var image = await fetcher.FetchAsync(digest, [Server.Image()]);
        await fetcher.FetchAsync(digest, [Server.Image()]);
        File.SetUnixFileMode(image.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var file = new FileStream(image.Path, FileMode.Open))
        {
            file.SetLength((1 << 20) - 1);
        }

        var again = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(again.FromCache, Is.False);
        Assert.That(meters.Total("golem.vmimages.cache.hits"), Is.EqualTo(1), "only the second fetch was a hit");
        Assert.That(meters.Total("golem.vmimages.verify.failures"), Is.EqualTo(1), "the wrong-size file is a cached file that failed its check");
    }

    /// <summary>Creates meters scoped to itself and sums what their counters record.</summary>
    private sealed class OwnMeters : IMeterFactory
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _totals = [];
        private readonly List<Meter> _meters = [];

        public OwnMeters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == this)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_totals)
                {
                    _totals[instrument.Name] = _totals.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.Start();
        }

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public long Total(string instrument)
        {
            lock (_totals)
            {
                return _totals.GetValueOrDefault(instrument);
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
