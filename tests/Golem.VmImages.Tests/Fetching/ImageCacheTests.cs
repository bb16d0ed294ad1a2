using Golem.VmImages.Fetching;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Fetching;

[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageCacheTests : FetcherTestBase
{
    [Test]
    public async Task TryGet_AfterFetch_HitsWithTheVerifiedLengthAndTheClocksTime()
    {
        Server.Body = MakeBody(200_000);
        var digest = DigestOf(Server.Body);
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var cache = new ImageCache(CacheDir, time);
        using var fetcher = new ImageFetcher(Options(), TrustingClient(), cache);

        var first = await fetcher.FetchAsync(digest, [Server.Image()]);
        var second = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That((first.FromCache, second.FromCache), Is.EqualTo((false, true)));
        Assert.That(cache.TryGet(digest, out var cached), Is.True);
        Assert.That(cached!.Length, Is.EqualTo(200_000));
        Assert.That(cached.LastUsedUtc, Is.EqualTo(time.GetUtcNow().UtcDateTime), "uses are stamped by the cache's TimeProvider, not the system clock");
        Assert.That(Server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    public void CleanStalePartials_AgesByTheCachesClock()
    {
        var digest = DigestOf(MakeBody(100));
        CreateCacheDirectories(digest);
        File.WriteAllBytes(PartialPath(digest), [1, 2, 3]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new ImageCache(CacheDir, time);

        Assert.That(cache.CleanStalePartials(TimeSpan.FromHours(1)), Is.Zero, "a fresh partial is kept");
        time.Advance(TimeSpan.FromHours(2));
        Assert.That(cache.CleanStalePartials(TimeSpan.FromHours(1)), Is.EqualTo(1), "two hours later by the cache's clock it is stale");
    }

    [Test]
    public async Task Prune_Plan_EvictsExactlyThePlannedImagesThatAreStillAsListed()
    {
        using var fetcher = new ImageFetcher(Options(), TrustingClient(), new ImageCache(CacheDir));
        var bodies = new[] { MakeBody(10_000, seed: 1), MakeBody(20_000, seed: 2), MakeBody(30_000, seed: 3) };
        foreach (var body in bodies)
        {
            Server.Body = body;
            await fetcher.FetchAsync(DigestOf(body), [Server.Image()]);
        }

        var cache = new ImageCache(CacheDir);
        var listed = cache.List().ToDictionary(i => i.Digest);
        var unchanged = listed[DigestOf(bodies[0])];
        var replaced = listed[DigestOf(bodies[1])];
        var path = FinalPath(replaced.Digest);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, MakeBody(25_000, seed: 9));

        var evicted = cache.Prune([unchanged, replaced]);

        Assert.That(evicted, Is.EqualTo(new[] { unchanged }));
        Assert.That(cache.List().Select(i => i.Digest), Is.EquivalentTo(new[] { replaced.Digest, DigestOf(bodies[2]) }), "a changed file and one outside the plan stay");
    }

    [Test]
    public void ImageCache_HasNoPathBackToTheFetcher()
    {
        // The fetcher uses the cache; the cache never calls a fetcher (no cycle between them).
        var members = typeof(ImageCache).GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static);
        var parameterTypes = members.OfType<System.Reflection.MethodBase>().SelectMany(m => m.GetParameters()).Select(p => p.ParameterType);
        var fieldTypes = members.OfType<System.Reflection.FieldInfo>().Select(f => f.FieldType);

        Assert.That(parameterTypes.Concat(fieldTypes), Has.None.AssignableTo<IImageFetcher>());
    }
}
