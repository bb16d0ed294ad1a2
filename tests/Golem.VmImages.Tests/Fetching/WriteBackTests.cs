namespace Golem.VmImages.Tests.Fetching;

/// <summary>The write-back hints the writer stage gives the kernel while a download is still running.</summary>
[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WriteBackTests : FetcherTestBase
{
    private const int Size = (6 << 20) + 4321;

    [Test]
    [Platform("Linux")]
    public async Task FetchAsync_SmallWriteBackInterval_HintsTheKernelAndVerifies()
    {
        Server.Body = MakeBody(Size, seed: 7);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        fetcher.WriteBackInterval = 256 << 10;

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(image.Length, Is.EqualTo(Size));
        // One hint per 256 KiB written, give or take the last partial interval: the range waits ran too.
        Assert.That(fetcher.WriteBackHintsForTesting, Is.GreaterThanOrEqualTo(Size / (256 << 10) - 2));
    }

    [Test]
    [Platform("Linux")]
    public async Task FetchAsync_WriteBackAcrossAResume_VerifiesTheSplicedFile()
    {
        Server.Body = MakeBody(Size, seed: 8);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = (2 << 20) + 999 } : Fault.None;
        using var fetcher = Fetcher();
        fetcher.WriteBackInterval = 128 << 10;

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(image.Attempts, Is.EqualTo(2));
        Assert.That(fetcher.WriteBackHintsForTesting, Is.GreaterThan(0));
    }

    [Test]
    public async Task FetchAsync_WriteBackOff_StillVerifies()
    {
        Server.Body = MakeBody(Size, seed: 9);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        fetcher.WriteBackInterval = 0;

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(fetcher.WriteBackHintsForTesting, Is.Zero);
    }
}
