using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The pull form of the overlapped read loop: a stream that reads ahead and shows every buffer to a sink first.</summary>
internal sealed class OverlappedReadStreamTests
{
    private const int BufferSize = 64 << 10;

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(BufferSize)]
    [TestCase((3 * BufferSize) + 145)]
    public async Task ReadAsync_SmallReads_ReaderAndSinkSeeEveryByteInOrderSinkFirst(int length)
    {
        var data = TestVectors.MessageStream(length);
        var sink = new RecordingSink();
        await using var stream = new OverlappedReadStream<RecordingSink>(new MemoryStream(data, writable: false), sink, BufferSize);

        var read = new MemoryStream();
        var buffer = new byte[7001];
        var seenFirst = true;
        int count;
        while ((count = await stream.ReadAsync(buffer)) > 0)
        {
            read.Write(buffer, 0, count);
            seenFirst &= sink.Length >= read.Length;
        }

        Assert.Multiple(() =>
        {
            Assert.That(read.ToArray(), Is.EqualTo(data));
            Assert.That(sink.ToArray(), Is.EqualTo(data));
            Assert.That(seenFirst, Is.True);
            Assert.That(stream.Position, Is.EqualTo(length));
        });
    }

    [Test]
    public void Read_OneBytePerReadSource_ReturnsTheSourceBytes()
    {
        var data = TestVectors.MessageStream(100_003);
        using var stream = new OverlappedReadStream<RecordingSink>(new OneBytePerReadStream(data), new RecordingSink(), BufferSize);

        var read = new MemoryStream();
        stream.CopyTo(read, 4096);

        Assert.That(read.ToArray(), Is.EqualTo(data));
    }

    [Test]
    public async Task CopyToAsync_WritesEveryByte()
    {
        var data = TestVectors.MessageStream((2 * BufferSize) + 17);
        await using var stream = new OverlappedReadStream<RecordingSink>(new MemoryStream(data, writable: false), new RecordingSink(), BufferSize, data.Length);

        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Multiple(() =>
        {
            Assert.That(copy.ToArray(), Is.EqualTo(data));
            Assert.That(stream.Length, Is.EqualTo(data.Length));
        });
    }

    [Test]
    public async Task ReadAsync_SourceFailsMidway_DeliversWhatCameBeforeThenThrowsTheFailure()
    {
        var data = TestVectors.MessageStream(3 * BufferSize);
        await using var stream = new OverlappedReadStream<RecordingSink>(new FailingStream(data, failAt: (2 * BufferSize) + 5), new RecordingSink(), BufferSize);

        var read = new MemoryStream();
        await Assert.ThatAsync(() => stream.CopyToAsync(read), Throws.InstanceOf<IOException>().With.Message.Contains("source broke"));

        Assert.Multiple(() =>
        {
            Assert.That(read.ToArray(), Is.EqualTo(data.AsSpan(0, (int)read.Length).ToArray()));
            Assert.That(read.Length, Is.GreaterThanOrEqualTo(BufferSize));
        });
    }

    [Test]
    public async Task ConsumeAsync_ReaderHoldsABuffer_SinkIsHandedTheNextOneMeanwhile()
    {
        var data = TestVectors.MessageStream(4 * BufferSize);
        var sink = new RecordingSink();
        await using var stream = new OverlappedReadStream<RecordingSink>(new MemoryStream(data, writable: false), sink, BufferSize);

        // The reader takes one byte and keeps the first buffer; the read-ahead must still hash the second.
        Assert.That(await stream.ReadAsync(new byte[1]), Is.EqualTo(1));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (sink.Length < 2 * BufferSize && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        Assert.That(sink.Length, Is.EqualTo(2 * BufferSize));
    }

    [Test]
    public void Dispose_EndlessSourceHalfRead_StopsTheReadAheadAndDisposesTheSource()
    {
        var source = new EndlessStream();
        var stream = new OverlappedReadStream<RecordingSink>(source, new RecordingSink(), BufferSize);
        Assert.That(stream.Read(new byte[100]), Is.EqualTo(100));

        var disposed = Task.Run(stream.Dispose);

        Assert.Multiple(() =>
        {
            Assert.That(disposed.Wait(TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(source.Disposed, Is.True);
            Assert.That(() => stream.Read(new byte[1]), Throws.InstanceOf<ObjectDisposedException>());
        });
    }

    /// <summary>Keeps a copy of everything it is handed.</summary>
    private sealed class RecordingSink : IReadSink
    {
        private readonly MemoryStream _seen = new();
        private long _length;

        public long Length => Interlocked.Read(ref _length);

        public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            _seen.Write(data.Span);
            Interlocked.Add(ref _length, data.Length);
            return ValueTask.CompletedTask;
        }

        public byte[] ToArray() => _seen.ToArray();
    }

    private sealed class FailingStream(byte[] data, long failAt) : MemoryStream(data, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= failAt)
            {
                throw new IOException("The source broke.");
            }

            return base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAt - Position)], cancellationToken);
        }
    }

    private sealed class EndlessStream : Stream
    {
        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => count;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(buffer.Length);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
