using Golem.VmImages.Publishing;

namespace Golem.VmImages.Tests.Publishing;

public sealed class HashingReadStreamTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("gvmi-hashing-read-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task CopyToAsync_WritesTheReadAheadBlocksWhole_AndHashesEveryByte()
    {
        var bytes = new byte[(3 << 20) + 12345];
        new Random(31).NextBytes(bytes);
        var path = Path.Combine(_root, "image.bin");
        await File.WriteAllBytesAsync(path, bytes);
        using var hasher = new ImageHasher();
        var reports = new List<long>();
        var destination = new WriteRecordingStream();

        var source = new HashingReadStream(path, bytes.Length, hasher, new SynchronousProgress(reports.Add));
        await using (source)
        {
            await source.CopyToAsync(destination, bufferSize: 4096);
            Assert.That(await source.FinishAsync(), Is.True);
        }

        Assert.That(destination.ToArray(), Is.EqualTo(bytes));
        Assert.That(destination.WriteSizes, Is.EqualTo(new[] { 1 << 20, 1 << 20, 1 << 20, 12345 }), "one write per read-ahead block, not per 4 KiB");
        Assert.That(hasher.GetHashAndReset(), Is.EqualTo(ImageHasher.HashData(bytes)));
        Assert.That(reports[^1], Is.EqualTo(bytes.Length));
    }

    private sealed class WriteRecordingStream : MemoryStream
    {
        public List<int> WriteSizes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WriteSizes.Add(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
