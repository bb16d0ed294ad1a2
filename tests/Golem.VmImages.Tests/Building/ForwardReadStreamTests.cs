using Golem.VmImages.Building.Sources;

namespace Golem.VmImages.Tests.Building;

/// <summary>The build's forward-only source streams: what each reads, and what they share (no seeking or writing, the inner stream owned).</summary>
public sealed class ForwardReadStreamTests
{
    [Test]
    public async Task PrefixedReadStream_ReadsThePrefixThenTheRest_ThroughEveryOverload()
    {
        using var stream = new PrefixedReadStream(new byte[] { 1, 2, 3 }, new MemoryStream([4, 5, 6, 7]));
        var array = new byte[2];
        var memory = new byte[8];

        var first = stream.Read(array, 0, 2);
        var second = await stream.ReadAsync(memory.AsMemory(0, 1));
        var third = await stream.ReadAsync(memory, 1, 7);

        Assert.That((first, second, third), Is.EqualTo((2, 1, 4)));
        Assert.That(array.Concat(memory[..5]), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7 }));
        Assert.That(stream.ReadByte(), Is.EqualTo(-1));
        Assert.That(() => stream.Length, Throws.InstanceOf<NotSupportedException>());
        Assert.That(() => stream.Position, Throws.InstanceOf<NotSupportedException>());
    }

    [Test]
    public async Task BoundedReadStream_StopsAtItsLength_AndCountsItsPosition()
    {
        using var stream = new BoundedReadStream(new MemoryStream([1, 2, 3, 4, 5, 6]), 4);
        var buffer = new byte[10];

        var first = await stream.ReadAsync(buffer.AsMemory(0, 3));
        var position = stream.Position;
        var second = stream.Read(buffer, 3, 7);
        var third = await stream.ReadAsync(buffer, 4, 6);

        Assert.That((first, position, second, third, stream.Position, stream.Length), Is.EqualTo((3, 3L, 1, 0, 4L, 4L)));
        Assert.That(buffer[..4], Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void VerifyingReadStream_PositionIsTheBytesRead()
    {
        using var stream = new VerifyingReadStream(new MemoryStream([1, 2, 3]), null, null, "test", null, null);

        stream.ReadExactly(new byte[2]);

        Assert.That(stream.Position, Is.EqualTo(2));
    }

    [TestCaseSource(nameof(Streams))]
    public void EveryForwardReadStream_RefusesSeekingAndWriting_AndDisposesItsInnerStream(Func<Stream, Stream> wrap)
    {
        var inner = new MemoryStream([1, 2, 3]);
        var stream = wrap(inner);

        Assert.That((stream.CanRead, stream.CanSeek, stream.CanWrite), Is.EqualTo((true, false, false)));
        Assert.That(() => stream.Seek(0, SeekOrigin.Begin), Throws.InstanceOf<NotSupportedException>());
        Assert.That(() => stream.SetLength(1), Throws.InstanceOf<NotSupportedException>());
        Assert.That(() => stream.Write([1], 0, 1), Throws.InstanceOf<NotSupportedException>());
        Assert.That(() => stream.Position = 0, Throws.InstanceOf<NotSupportedException>());
        stream.Dispose();
        Assert.That(inner.CanRead, Is.False, "the inner stream is disposed with its wrapper");
    }

    private static IEnumerable<TestCaseData> Streams()
    {
        yield return new TestCaseData((Func<Stream, Stream>)(inner => new PrefixedReadStream(new byte[] { 0 }, inner))).SetArgDisplayNames("Prefixed");
        yield return new TestCaseData((Func<Stream, Stream>)(inner => new BoundedReadStream(inner, 2))).SetArgDisplayNames("Bounded");
        yield return new TestCaseData((Func<Stream, Stream>)(inner => new VerifyingReadStream(inner, null, null, "test", null, null))).SetArgDisplayNames("Verifying");
    }
}
