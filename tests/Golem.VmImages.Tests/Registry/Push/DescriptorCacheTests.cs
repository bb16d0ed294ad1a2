using Golem.VmImages.Hashing;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Tests.Registry.Push;

/// <summary>
/// <see cref="DescriptorCache"/>: the file is hashed (the compute callback, the only reader of its content) exactly
/// when it is new to the cache or changed in any way since it was hashed.
/// </summary>
public sealed class DescriptorCacheTests
{
    private const long ChunkSize = 64 * 1024;

    private string _directory = null!;
    private string _image = null!;
    private DescriptorCache _cache = null!;
    private int _computed;

    [SetUp]
    public async Task SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-descriptor-cache-").FullName;
        _image = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(_image, Bytes(300_000, seed: 1));
        _cache = new DescriptorCache(Path.Combine(_directory, "cache"));
        _computed = 0;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task GetOrComputeAsync_UnchangedFile_ComputesOnce_ThenReturnsTheSameDescriptorWithoutComputing()
    {
        var (first, firstCached) = await GetAsync(_image, ChunkSize);
        var (second, secondCached) = await GetAsync(_image, ChunkSize);

        Assert.Multiple(() =>
        {
            Assert.That((firstCached, secondCached, _computed), Is.EqualTo((false, true, 1)));
            Assert.That(second.Bytes.ToArray(), Is.EqualTo(first.Bytes.ToArray()));
            Assert.That(second.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(File.ReadAllBytes(_image), ChunkSize)));
            Assert.That(second.Sha256, Is.EqualTo(first.Sha256));
        });
    }

    [Test]
    public async Task GetOrComputeAsync_TouchedFile_IsHashedAgain()
    {
        await GetAsync(_image, ChunkSize);
        File.SetLastWriteTimeUtc(_image, File.GetLastWriteTimeUtc(_image).AddMinutes(-5));

        var (_, cached) = await GetAsync(_image, ChunkSize);

        Assert.That((cached, _computed), Is.EqualTo((false, 2)));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task GetOrComputeAsync_RewrittenInPlaceWithTheSameLengthAndModificationTime_IsHashedAgain()
    {
        var (before, _) = await GetAsync(_image, ChunkSize);
        var modified = File.GetLastWriteTimeUtc(_image);

        // The kernel stamps change times from a coarse clock: wait until it has moved past the image's, so the edit
        // below gets a later change time than the one remembered (a condition, not a fixed delay).
        var recorded = Identity(_image).ChangeTimeNanoseconds;
        var probe = Path.Combine(_directory, "probe");
        do
        {
            await File.WriteAllBytesAsync(probe, [1]);
        }
        while (Identity(probe).ChangeTimeNanoseconds <= recorded);

        await using (var stream = new FileStream(_image, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 1000;
            stream.WriteByte(0xAB);
        }

        File.SetLastWriteTimeUtc(_image, modified); // the edit is hidden from length and mtime, not from the change time

        var (after, cached) = await GetAsync(_image, ChunkSize);

        Assert.Multiple(() =>
        {
            Assert.That((cached, _computed), Is.EqualTo((false, 2)));
            Assert.That(after.Sha256, Is.Not.EqualTo(before.Sha256));
            Assert.That(after.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(File.ReadAllBytes(_image), ChunkSize)));
        });
    }

    [Test]
    public async Task GetOrComputeAsync_FileReplacedByAnotherOfTheSameLengthAndTime_IsHashedAgain()
    {
        await GetAsync(_image, ChunkSize);
        var modified = File.GetLastWriteTimeUtc(_image);
        var replacement = Path.Combine(_directory, "replacement");
        await File.WriteAllBytesAsync(replacement, Bytes(300_000, seed: 2));
        File.SetLastWriteTimeUtc(replacement, modified);
        File.Move(replacement, _image, overwrite: true);

        var (after, cached) = await GetAsync(_image, ChunkSize);

        Assert.Multiple(() =>
        {
            Assert.That((cached, _computed), Is.EqualTo((false, 2)));
            Assert.That(after.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(File.ReadAllBytes(_image), ChunkSize)));
        });
    }

    [Test]
    public async Task GetOrComputeAsync_OtherChunkSizeOrOtherPath_HasItsOwnRecord()
    {
        var copy = Path.Combine(_directory, "copy.gvmi");
        File.Copy(_image, copy);

        await GetAsync(_image, ChunkSize);
        var (otherChunks, otherChunksCached) = await GetAsync(_image, ChunkSize * 2);
        var (_, copyCached) = await GetAsync(copy, ChunkSize);
        var (_, againCached) = await GetAsync(_image, ChunkSize * 2);

        Assert.Multiple(() =>
        {
            Assert.That((otherChunksCached, copyCached, againCached, _computed), Is.EqualTo((false, false, true, 3)));
            Assert.That(otherChunks.ChunkSize, Is.EqualTo(ChunkSize * 2));
        });
    }

    [TestCase(-1, TestName = "GetOrComputeAsync_RecordWithAFlippedLastByte_IsNotTrusted")]
    [TestCase(60, TestName = "GetOrComputeAsync_RecordWithAFlippedDescriptorByte_IsNotTrusted")]
    [TestCase(0, TestName = "GetOrComputeAsync_TruncatedRecord_IsNotTrusted")]
    public async Task GetOrComputeAsync_DamagedRecord_IsHashedAgainAndReplaced(int damage)
    {
        await GetAsync(_image, ChunkSize);
        var record = Directory.GetFiles(Path.Combine(_directory, "cache")).Single();
        var bytes = await File.ReadAllBytesAsync(record);
        if (damage == 0)
        {
            bytes = bytes[..^40];
        }
        else
        {
            bytes[damage < 0 ? bytes.Length - 1 : bytes.Length - 32 - damage] ^= 0x01;
        }

        await File.WriteAllBytesAsync(record, bytes);

        var (descriptor, cached) = await GetAsync(_image, ChunkSize);
        var (_, cachedAgain) = await GetAsync(_image, ChunkSize);

        Assert.Multiple(() =>
        {
            Assert.That((cached, cachedAgain, _computed), Is.EqualTo((false, true, 2)));
            Assert.That(descriptor.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(File.ReadAllBytes(_image), ChunkSize)));
        });
    }

    [Test]
    public async Task GetOrComputeAsync_CacheDirectoryNotWritable_StillReturnsTheComputedDescriptor()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "blocked"), "a file where the cache directory should be");
        var cache = new DescriptorCache(Path.Combine(_directory, "blocked"));

        var (descriptor, cached) = await cache.GetOrComputeAsync(_image, ChunkSize, Compute(_image, ChunkSize), CancellationToken.None);

        Assert.That(cached, Is.False);
        Assert.That(descriptor.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(File.ReadAllBytes(_image), ChunkSize)));
    }

    private static FileIdentity Identity(string path)
    {
        using var handle = File.OpenHandle(path);
        return FileIdentity.Of(path, handle);
    }

    private Task<(ImageDescriptor Descriptor, bool FromCache)> GetAsync(string path, long chunkSize) =>
        _cache.GetOrComputeAsync(path, chunkSize, Compute(path, chunkSize), CancellationToken.None);

    private Func<CancellationToken, Task<ImageDescriptor>> Compute(string path, long chunkSize) => token =>
    {
        _computed++;
        return ImageDescriptor.ComputeAsync(path, chunkSize, cancellationToken: token);
    };

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
