using Golem.VmImages.Fetching;

namespace Golem.VmImages.Tests.Fetching;

[TestFixture]
[CancelAfter(60_000)]
public sealed class ImageCacheTests : FetcherTestBase
{
    [Test]
    public async Task GetOrFetchAsync_Miss_DownloadsThroughFetcherThenHits()
    {
        Server.Body = MakeBody(200_000);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        var cache = new ImageCache(CacheDir);
        var phases = new List<ImageFetchPhase>();
        var progress = new SyncProgress(p => phases.Add(p.Phase));

        var first = await cache.GetOrFetchAsync(fetcher, digest, [Server.Image()], progress);
        var second = await cache.GetOrFetchAsync(fetcher, digest, [Server.Image()], progress);

        Assert.That((first.FromCache, second.FromCache), Is.EqualTo((false, true)));
        Assert.That(second.Path, Is.EqualTo(first.Path));
        Assert.That(cache.TryGet(digest, out var cached), Is.True);
        Assert.That(cached!.Length, Is.EqualTo(200_000));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
        Assert.That(phases, Does.Contain(ImageFetchPhase.Downloading).And.Contain(ImageFetchPhase.Cached));
    }

    [Test]
    public void GetOrFetchAsync_FetcherOverAnotherDirectory_RejectedBeforeAnyIo()
    {
        using var fetcher = Fetcher();
        var other = new ImageCache(Path.Combine(Root, "other"));

        var ex = Assert.Throws<ArgumentException>(() => other.GetOrFetchAsync(fetcher, DigestOf([1]), [Server.Image()]));

        Assert.That(ex!.ParamName, Is.EqualTo("fetcher"));
        Assert.That(ex.Message, Does.Contain(Path.Combine(Root, "other")).And.Contain(CacheDir));
        Assert.That(Server.RequestCount, Is.Zero);
        Assert.That(Directory.Exists(Path.Combine(Root, "other")), Is.False);
    }

    [Test]
    public void GetOrFetchAsync_DefaultDigest_Rejected()
    {
        using var fetcher = Fetcher();

        Assert.Throws<ArgumentException>(() => fetcher.Cache.GetOrFetchAsync(fetcher, default, [Server.Image()]));
        Assert.That(Server.RequestCount, Is.Zero);
    }

    private sealed class SyncProgress(Action<ImageFetchProgress> report) : IProgress<ImageFetchProgress>
    {
        public void Report(ImageFetchProgress value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
