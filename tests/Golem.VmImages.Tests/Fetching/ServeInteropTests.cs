using Golem.VmImages.Cli.Serving;
using Golem.VmImages.Tests.Cli.Serving;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>Our <see cref="ImageFetcher"/> against our own <c>gvmi serve</c> (<see cref="ImageServer"/>), in-process on 127.0.0.1: whole fetch, resume, changed validator.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ServeInteropTests
{
    private const int Size = (6 << 20) + 4321;

    private string _root = null!;
    private byte[] _content = null!;
    private ServedImage _image = null!;
    private ServeHarness _serve = null!;

    private string CacheDir => Path.Combine(_root, "cache");

    private Uri ImageUrl => new(_serve.Server.BaseAddress, "app.gvmi");

    [SetUp]
    public async Task StartServerAsync()
    {
        _root = Directory.CreateTempSubdirectory("gvmi-interop-").FullName;
        var served = Directory.CreateDirectory(Path.Combine(_root, "served")).FullName;
        _content = new byte[Size];
        new Random(42).NextBytes(_content);
        await File.WriteAllBytesAsync(Path.Combine(served, "app.gvmi"), _content);
        _serve = await ServeHarness.StartAsync([served]);
        _image = _serve.Catalog.Images.Single();
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        await _serve.DisposeAsync();
        FetcherTestBase.DeleteRoot(_root);
    }

    [Test]
    public async Task Fetch_FromGvmiServe_VerifiedUnderItsHash()
    {
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(_image.Hash, [ImageUrl]);

        Assert.That((fetched.FromCache, fetched.Length, fetched.BytesTransferred, fetched.Attempts), Is.EqualTo((false, (long)Size, (long)Size, 1)));
        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(_content));
    }

    [Test]
    public async Task Fetch_CancelledMidway_NextFetchResumesWithRangeFromGvmiServe()
    {
        using var fetcher = Fetcher();
        using var cancel = new CancellationTokenSource();
        var progress = new InlineProgress(p =>
        {
            if (p.Phase == ImageFetchPhase.Downloading && p.BytesDone >= 4 << 20)
            {
                cancel.Cancel();
            }
        });

        Assert.That(
            async () => await fetcher.FetchAsync(_image.Hash, [ImageUrl], new ImageFetchRequest { Progress = progress }, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        var partial = Path.Combine(CacheDir, "partial", "sha3-224-" + _image.Hash + ".part");
        var kept = new FileInfo(partial).Length;
        Assert.That(kept, Is.InRange(4L << 20, Size - 1), "the partial is kept for resuming");
        Assert.That(File.Exists(Path.Combine(CacheDir, "sha3-224", _image.Hash.ToString())), Is.False);

        var fetched = await fetcher.FetchAsync(_image.Hash, [ImageUrl]);

        Assert.That(fetched.BytesTransferred, Is.EqualTo(Size - kept), "only the missing tail is downloaded (206 to Range + If-Range)");
        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(_content));
        Assert.That(File.Exists(partial), Is.False);
    }

    [Test]
    public async Task Fetch_PreSeededPartialWithCurrentETag_Resumed()
    {
        var seeded = 2_000_001;
        SeedPartial(_content.AsSpan(0, seeded), _image.EntityTag);
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(_image.Hash, [ImageUrl]);

        Assert.That(fetched.BytesTransferred, Is.EqualTo(Size - seeded));
        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(_content));
    }

    [Test]
    public async Task Fetch_PreSeededPartialWithOldETag_ServeAnswers200AndFetchRestartsFromZero()
    {
        var seeded = 2_000_001;
        var other = new byte[seeded];
        new Random(7).NextBytes(other);
        SeedPartial(other, "\"an-older-version\"");
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(_image.Hash, [ImageUrl]);

        Assert.That(fetched.BytesTransferred, Is.EqualTo(Size), "If-Range did not match: the whole image, never appended to the old bytes");
        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(_content));
    }

    private void SeedPartial(ReadOnlySpan<byte> prefix, string etag)
    {
        var directory = Directory.CreateDirectory(Path.Combine(CacheDir, "partial")).FullName;
        var path = Path.Combine(directory, "sha3-224-" + _image.Hash + ".part");
        using (var file = File.Create(path))
        {
            file.Write(prefix);
        }

        new PartialRecord(PartialRecord.KeyOf(ImageUrl, _image.Hash), etag, null, Size).Write(path);
    }

    private ImageFetcher Fetcher() => new(new ImageFetcherOptions
    {
        CacheDirectory = CacheDir,
        MinimumFreeDiskSpace = 0,
        BufferSize = 64 * 1024,
        BackoffBase = TimeSpan.FromMilliseconds(1),
        BackoffCap = TimeSpan.FromMilliseconds(5),
    });

    private sealed class InlineProgress(Action<ImageFetchProgress> report) : IProgress<ImageFetchProgress>
    {
        public void Report(ImageFetchProgress value) => report(value);
    }
}
