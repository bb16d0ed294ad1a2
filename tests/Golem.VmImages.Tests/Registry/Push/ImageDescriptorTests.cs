using System.Buffers.Binary;
using System.Security.Cryptography;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Tests.Registry.Push;

/// <summary>
/// The <c>.descr.bin</c> bytes against a golden layout built here from gvmkit-build's format (big-endian version,
/// size, chunk size, SHA3-224, one SHA-256 per chunk) with BouncyCastle's SHA3-224 and the BCL's SHA-256, not with the
/// code under test.
/// </summary>
public sealed class ImageDescriptorTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("gvmi-descr-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    public static IEnumerable<TestCaseData> Files()
    {
        yield return new TestCaseData(1000L, null, 1).SetName("ComputeAsync_SingleChunk_MatchesGoldenBytes");
        yield return new TestCaseData(4 * MiB, null, 2).SetName("ComputeAsync_ExactMultipleOfChunkSize_MatchesGoldenBytes");
        yield return new TestCaseData((5 * MiB) + 7, null, 3).SetName("ComputeAsync_Remainder_MatchesGoldenBytes");
        yield return new TestCaseData((3 * MiB) + 5, (long?)300_001, 11).SetName("ComputeAsync_ChunksAcrossReadBuffers_MatchesGoldenBytes");
        yield return new TestCaseData(0L, null, 0).SetName("ComputeAsync_EmptyFile_HasNoChunks");
    }

    [TestCaseSource(nameof(Files))]
    public async Task ComputeAsync_MatchesGoldenBytes(long size, long? chunkSize, int expectedChunks)
    {
        var data = new byte[size];
        new Random((int)size).NextBytes(data);
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, data);
        var expectedChunkSize = chunkSize ?? 2 * MiB;

        var descriptor = await ImageDescriptor.ComputeAsync(path, chunkSize);

        var golden = Golden(data, expectedChunkSize);
        Assert.Multiple(() =>
        {
            Assert.That(descriptor.Bytes.ToArray(), Is.EqualTo(golden));
            Assert.That(golden, Has.Length.EqualTo(52 + (32 * expectedChunks)));
            Assert.That(descriptor.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(golden))));
            Assert.That(descriptor.ImageHash.ToString(), Is.EqualTo(Convert.ToHexStringLower(FakeRegistry.Sha3_224(data))));
            Assert.That(descriptor.ChunkCount, Is.EqualTo(expectedChunks));
            Assert.That(descriptor.ChunkSize, Is.EqualTo(expectedChunkSize));
            Assert.That(descriptor.Size, Is.EqualTo(size));
        });
    }

    [Test]
    public async Task ComputeAsync_ChunkAccessors_DescribeEachChunk()
    {
        var data = new byte[(2 * MiB) + 10];
        new Random(5).NextBytes(data);
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, data);

        var descriptor = await ImageDescriptor.ComputeAsync(path, MiB);

        Assert.Multiple(() =>
        {
            Assert.That(descriptor.GetChunkOffset(2), Is.EqualTo(2 * MiB));
            Assert.That(descriptor.GetChunkLength(1), Is.EqualTo(MiB));
            Assert.That(descriptor.GetChunkLength(2), Is.EqualTo(10));
            Assert.That(descriptor.GetChunkHash(2).ToArray(), Is.EqualTo(SHA256.HashData(data.AsSpan((int)(2 * MiB)))));
            Assert.That(() => descriptor.GetChunkLength(3), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public async Task ComputeAsync_Progress_EndsAtFileSize()
    {
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, new byte[40 * MiB]);
        var reports = new List<long>();

        await ImageDescriptor.ComputeAsync(path, progress: new SynchronousProgress<long>(reports.Add));

        Assert.That(reports, Is.Not.Empty.And.Ordered);
        Assert.That(reports[^1], Is.EqualTo(40 * MiB));
    }

    [Test]
    public void ComputeAsync_ZeroChunkSize_Throws() =>
        Assert.That(() => ImageDescriptor.ComputeAsync("image.gvmi", 0), Throws.InstanceOf<ArgumentOutOfRangeException>());

    // gvmkit-build's table: above 5 GiB 100 MiB, above 2 GiB 50, above 1 GiB 20, above 500 MiB 10, above 200 MiB 5, else 2.
    [TestCase(0L, 2L)]
    [TestCase(200 * MiB, 2L)]
    [TestCase((200 * MiB) + 1, 5L)]
    [TestCase(500 * MiB, 5L)]
    [TestCase((500 * MiB) + 1, 10L)]
    [TestCase(1 * GiB, 10L)]
    [TestCase((1 * GiB) + 1, 20L)]
    [TestCase(2 * GiB, 20L)]
    [TestCase((2 * GiB) + 1, 50L)]
    [TestCase(5 * GiB, 50L)]
    [TestCase((5 * GiB) + 1, 100L)]
    [TestCase(1000 * GiB, 100L)]
    public void GetDefaultChunkSize_AtEachStep_MatchesGvmkitBuild(long imageSize, long expectedMiB) =>
        Assert.That(ImageDescriptor.GetDefaultChunkSize(imageSize), Is.EqualTo(expectedMiB * MiB));

    [TestCase(0L, 2 * MiB, 0L)]
    [TestCase(1L, 2 * MiB, 1L)]
    [TestCase(4 * MiB, 2 * MiB, 2L)]
    [TestCase((4 * MiB) + 1, 2 * MiB, 3L)]
    public void GetChunkCount_RoundsUp(long size, long chunkSize, long expected) =>
        Assert.That(ImageDescriptor.GetChunkCount(size, chunkSize), Is.EqualTo(expected));

    /// <summary>The descriptor layout written out by hand from the format.</summary>
    internal static byte[] Golden(byte[] data, long chunkSize)
    {
        var chunks = (int)((data.Length + chunkSize - 1) / chunkSize);
        var golden = new byte[52 + (32 * chunks)];
        BinaryPrimitives.WriteUInt64BigEndian(golden, 0x0000000333333334);
        BinaryPrimitives.WriteUInt64BigEndian(golden.AsSpan(8), (ulong)data.Length);
        BinaryPrimitives.WriteUInt64BigEndian(golden.AsSpan(16), (ulong)chunkSize);
        FakeRegistry.Sha3_224(data).CopyTo(golden, 24);
        for (var i = 0; i < chunks; i++)
        {
            var start = (int)(i * chunkSize);
            SHA256.HashData(data.AsSpan(start, (int)Math.Min(chunkSize, data.Length - start))).CopyTo(golden, 52 + (32 * i));
        }

        return golden;
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
