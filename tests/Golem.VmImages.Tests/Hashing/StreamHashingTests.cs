using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The overlapped read/hash pipeline behind the stream and file entry points.</summary>
internal sealed class StreamHashingTests
{
    private string _directory = string.Empty;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("gvmi-stream-hashing-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(StreamHashing.BufferSize - 1)]
    [TestCase(StreamHashing.BufferSize)]
    [TestCase((3 * StreamHashing.BufferSize) + 145)]
    public async Task AppendFileAsync_AnyLength_MatchesOneShotReference(int length)
    {
        var data = TestVectors.MessageStream(length);
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, data);

        using var hasher = new ImageHasher();
        await StreamHashing.AppendFileAsync(hasher.Core, path, progress: null, CancellationToken.None);

        Assert.That(hasher.GetHashAndReset().ToArray(), Is.EqualTo(EngineVectors.Reference(28, data)));
    }

    [TestCase(1)]
    [TestCase(4096)]
    [TestCase(144 * 7)]
    public async Task AppendFileAsync_SmallBuffers_MatchesOneShotReference(int bufferSize)
    {
        var data = TestVectors.MessageStream(100_003);
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, data);

        using var hasher = new ImageHasher();
        await StreamHashing.AppendFileAsync(hasher.Core, path, progress: null, bufferSize, CancellationToken.None);

        Assert.That(hasher.GetHashAndReset().ToArray(), Is.EqualTo(EngineVectors.Reference(28, data)));
    }

    [Test]
    public async Task AppendAllAsync_ChunkyStream_MatchesOneShotReference()
    {
        var data = TestVectors.MessageStream((2 * StreamHashing.BufferSize) + 12345);
        using var stream = new ChunkyStream(data, maxRead: 70_001);
        using var hasher = new ImageHasher();

        await StreamHashing.AppendAllAsync(hasher.Core, stream, progress: null, CancellationToken.None);

        Assert.That(hasher.GetHashAndReset().ToArray(), Is.EqualTo(EngineVectors.Reference(28, data)));
    }

    [Test]
    public async Task AppendFileAsync_40MiB_ReportsEvery16MiBAndAtTheEnd()
    {
        var length = 40 << 20;
        var path = Path.Combine(_directory, "image.gvmi");
        await File.WriteAllBytesAsync(path, new byte[length]);
        var reports = new List<long>();

        using var hasher = new ImageHasher();
        await StreamHashing.AppendFileAsync(hasher.Core, path, new SynchronousProgress(reports.Add), CancellationToken.None);

        Assert.That(reports, Is.EqualTo(new long[] { 16 << 20, 32 << 20, length }));
    }

    [Test]
    public void AppendAllAsync_CanceledMidway_ThrowsAndStopsReading()
    {
        using var cancellation = new CancellationTokenSource();
        var data = new byte[10 * StreamHashing.BufferSize];
        using var stream = new ChunkyStream(data, maxRead: StreamHashing.BufferSize, afterRead: read =>
        {
            if (read >= 3 * StreamHashing.BufferSize)
            {
                cancellation.Cancel();
            }
        });
        using var hasher = new ImageHasher();

        Assert.That(
            async () => await StreamHashing.AppendAllAsync(hasher.Core, stream, progress: null, cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(stream.Position, Is.LessThanOrEqualTo(5L * StreamHashing.BufferSize));
    }

    [Test]
    public void AppendAllAsync_ReadFails_PropagatesTheException()
    {
        using var stream = new ChunkyStream(new byte[5 * StreamHashing.BufferSize], maxRead: StreamHashing.BufferSize, afterRead: read =>
        {
            if (read >= 2 * StreamHashing.BufferSize)
            {
                throw new IOException("disk on fire");
            }
        });
        using var hasher = new ImageHasher();

        Assert.That(
            async () => await StreamHashing.AppendAllAsync(hasher.Core, stream, progress: null, CancellationToken.None),
            Throws.TypeOf<IOException>().With.Message.EqualTo("disk on fire"));
    }

    /// <summary>A memory stream whose asynchronous reads complete later, return at most <c>maxRead</c> bytes, and run a hook.</summary>
    private sealed class ChunkyStream(byte[] data, int maxRead, Action<long>? afterRead = null) : MemoryStream(data, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            var read = Read(buffer.Span[..Math.Min(buffer.Length, maxRead)]);
            afterRead?.Invoke(Position);
            return read;
        }
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
