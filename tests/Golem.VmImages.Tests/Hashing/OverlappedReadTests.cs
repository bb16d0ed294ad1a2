using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The overlapped read loop itself: what happens to the read in flight when the sink fails.</summary>
internal sealed class OverlappedReadTests
{
    [Test]
    public async Task StreamAsync_SinkFailsWhileTheNextReadWaits_CancelsThatReadAndThrowsTheSinkFailure()
    {
        var source = new FirstReadThenSilence();

        var run = OverlappedRead.StreamAsync(source, new FailingSink(), 4096, buffers: 2, CancellationToken.None).AsTask();
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Multiple(() =>
        {
            Assert.That(finished, Is.SameAs(run), "the run ended without waiting for the silent source");
            Assert.That(() => run, Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("The sink failed."));
            Assert.That(source.SecondReadCancelled, Is.True);
        });
    }

    private sealed class FailingSink : IReadSink
    {
        public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data) => ValueTask.FromException(new InvalidDataException("The sink failed."));
    }

    /// <summary>Returns one buffer, then never answers again unless cancelled (a stalled socket).</summary>
    private sealed class FirstReadThenSilence : MemoryStream
    {
        private int _reads;

        public bool SecondReadCancelled { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _reads) == 1)
            {
                return buffer.Length;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SecondReadCancelled = true;
                throw;
            }

            return 0;
        }
    }
}
