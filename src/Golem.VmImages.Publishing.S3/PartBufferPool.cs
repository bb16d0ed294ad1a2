using System.Threading.Channels;

namespace Golem.VmImages.Publishing.S3;

/// <summary>
/// The buffers of the parts in flight of one upload: at most <c>count</c> arrays of one size, allocated when first
/// needed and then reused, so an upload holds at most <c>count</c> × <c>size</c> bytes however large the image is.
/// </summary>
/// <remarks>
/// The shared array pool is not used for these: a buffer returned on a thread-pool thread stays in that thread's
/// own slot, out of reach of the reader on another thread, so over a long upload the reader keeps renting fresh
/// large arrays (measured: the large object heap grew by a part size at a time, several times per GiB).
/// </remarks>
internal sealed class PartBufferPool
{
    private readonly Channel<byte[]> _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _count;
    private readonly int _size;
    private int _allocated;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="count">The most buffers ever allocated.</param>
    /// <param name="size">The length of each buffer.</param>
    public PartBufferPool(int count, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _count = count;
        _size = size;
    }

    /// <summary>Gets how many buffers have been allocated so far.</summary>
    public int Allocated => Volatile.Read(ref _allocated);

    /// <summary>Returns a free buffer, allocating one while fewer than the limit exist, else waiting for a return. One caller at a time.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A buffer of the pool's size; its contents are unspecified.</returns>
    public ValueTask<byte[]> RentAsync(CancellationToken cancellationToken)
    {
        if (_free.Reader.TryRead(out var buffer))
        {
            return ValueTask.FromResult(buffer);
        }

        if (_allocated < _count)
        {
            Interlocked.Increment(ref _allocated);
            return ValueTask.FromResult(GC.AllocateUninitializedArray<byte>(_size));
        }

        return _free.Reader.ReadAsync(cancellationToken);
    }

    /// <summary>Gives a buffer back; any thread may call this.</summary>
    /// <param name="buffer">A buffer from <see cref="RentAsync"/>.</param>
    public void Return(byte[] buffer) => _free.Writer.TryWrite(buffer);
}
