using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Hashing;

/// <summary>Receives, in order, each buffer an <see cref="OverlappedRead"/> has read: a hasher, a chunk hasher, a file.</summary>
internal interface IReadSink
{
    /// <summary>Consumes <paramref name="data"/>; the buffer is reused once the returned task completes.</summary>
    /// <param name="data">The bytes just read.</param>
    /// <returns>A task that completes when <paramref name="data"/> is no longer needed.</returns>
    ValueTask ConsumeAsync(ReadOnlyMemory<byte> data);
}

/// <summary>
/// The one overlapped read loop of the library: one read is always in flight into the pooled buffer the sink is not
/// consuming, so a warm page cache or a fast disk costs (almost) no hashing time and memory stays at two buffers
/// whatever the size. Hashing a file or a stream, the push's chunk hashes and the CLI's hasher all read through it.
/// </summary>
internal static class OverlappedRead
{
    /// <summary>How many bytes pass between two progress reports.</summary>
    public const long ProgressInterval = 16L << 20;

    /// <summary>Reads <paramref name="source"/> to its end into <paramref name="sink"/>; returns how many bytes were read.</summary>
    public static ValueTask<long> StreamAsync<TSink>(Stream source, TSink sink, IProgress<long>? progress, int bufferSize, CancellationToken cancellationToken)
        where TSink : IReadSink =>
        RunAsync(static (source, _, buffer, token) => source.ReadAsync(buffer, token), source, sink, progress, bufferSize, 2, cancellationToken);

    /// <summary>
    /// Reads the first <paramref name="length"/> bytes of an open file (fewer when the file is shorter) with
    /// <c>pread</c>-style reads into <paramref name="sink"/>; returns how many bytes were read.
    /// </summary>
    public static ValueTask<long> FileRangeAsync<TSink>(SafeFileHandle handle, long length, TSink sink, IProgress<long>? progress, int bufferSize, CancellationToken cancellationToken)
        where TSink : IReadSink =>
        RunAsync(
            (handle, offset, buffer, token) =>
            {
                var wanted = (int)Math.Min(buffer.Length, length - offset);
                return wanted <= 0 ? ValueTask.FromResult(0) : RandomAccess.ReadAsync(handle, buffer[..wanted], offset, token);
            },
            handle,
            sink,
            progress,
            bufferSize,
            2,
            cancellationToken);

    /// <summary>
    /// Reads <paramref name="source"/> to its end through <paramref name="buffers"/> pooled buffers: up to
    /// <paramref name="buffers"/> − 1 buffers the sink has been handed but not yet released, plus the one being read.
    /// With two buffers the loop awaits each sink call before it looks at the next read; with more, the sink may
    /// be handed the next buffer while an earlier one is still held (the pull form, <see cref="OverlappedReadStream{TSink}"/>),
    /// and the failure of a task it returned is thrown when that buffer comes round again or at the end.
    /// </summary>
    public static ValueTask<long> StreamAsync<TSink>(Stream source, TSink sink, int bufferSize, int buffers, CancellationToken cancellationToken)
        where TSink : IReadSink =>
        RunAsync(static (source, _, buffer, token) => source.ReadAsync(buffer, token), source, sink, null, bufferSize, buffers, cancellationToken);

    /// <summary>
    /// Reads with <paramref name="read"/> (given the offset reached so far and the buffer to fill; 0 means the end)
    /// into <paramref name="sink"/> through two pooled buffers; returns how many bytes were read. The fetcher reads an
    /// HTTP body with it, filling each buffer from many socket reads.
    /// </summary>
    public static ValueTask<long> CustomAsync<TSource, TSink>(
        Func<TSource, long, Memory<byte>, CancellationToken, ValueTask<int>> read, TSource source, TSink sink, int bufferSize, CancellationToken cancellationToken)
        where TSink : IReadSink =>
        RunAsync(read, source, sink, null, bufferSize, 2, cancellationToken);

    /// <summary>
    /// The pipeline. <paramref name="read"/> gets the offset reached so far and is never called again before its
    /// previous task has completed, so it needs no thread safety. A buffer is read into again only once the sink's
    /// task for it has completed; every task the sink returned has completed before the buffers go back to the pool.
    /// </summary>
    private static async ValueTask<long> RunAsync<TSource, TSink>(
        Func<TSource, long, Memory<byte>, CancellationToken, ValueTask<int>> read,
        TSource source,
        TSink sink,
        IProgress<long>? progress,
        int bufferSize,
        int buffers,
        CancellationToken cancellationToken)
        where TSink : IReadSink
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pool = new byte[buffers][];
        var held = new Task?[buffers];
        for (var i = 0; i < buffers; i++)
        {
            pool[i] = ArrayPool<byte>.Shared.Rent(bufferSize);
        }

        // Cancelled when the run fails, so a read still in flight (a stalled socket) ends now rather than when it would.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readToken = stop.Token;
        Task<int>? pending = null;
        long offset = 0;
        try
        {
            var nextReport = ProgressInterval;
            var slot = 0;
            pending = read(source, offset, pool[slot].AsMemory(0, bufferSize), readToken).AsTask();
            while (true)
            {
                var count = await pending.ConfigureAwait(false);
                pending = null;
                if (count == 0)
                {
                    break;
                }

                // Start the next read (into a buffer the sink has released) before the sink consumes this buffer.
                offset += count;
                cancellationToken.ThrowIfCancellationRequested();
                var next = (slot + 1) % buffers;
                await ReleaseAsync(held, next).ConfigureAwait(false);
                pending = read(source, offset, pool[next].AsMemory(0, bufferSize), readToken).AsTask();
                var consumed = sink.ConsumeAsync(pool[slot].AsMemory(0, count));
                if (buffers == 2)
                {
                    // The sink's failure (a disk write) ends the run now, not after the next read.
                    await consumed.ConfigureAwait(false);
                }
                else
                {
                    held[slot] = consumed.AsTask();
                }

                slot = next;
                if (progress is not null && offset >= nextReport)
                {
                    progress.Report(offset);
                    nextReport = offset + ProgressInterval;
                }
            }

            for (var i = 0; i < buffers; i++)
            {
                await ReleaseAsync(held, (slot + i) % buffers).ConfigureAwait(false);
            }

            progress?.Report(offset);
            return offset;
        }
        finally
        {
            // A read or a sink still holding a buffer (after a failure or cancellation) must finish before the buffer goes back to the pool.
            if (pending is not null)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await Settle(pending).ConfigureAwait(false);
            }

            for (var i = 0; i < buffers; i++)
            {
                if (held[i] is { } task)
                {
                    await Settle(task).ConfigureAwait(false);
                }

                ArrayPool<byte>.Shared.Return(pool[i]);
            }
        }
    }

    /// <summary>Waits until the sink has released buffer <paramref name="slot"/>, throwing what the sink failed with.</summary>
    private static async ValueTask ReleaseAsync(Task?[] held, int slot)
    {
        if (held[slot] is { } task)
        {
            held[slot] = null;
            await task.ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a task without observing its outcome (the failure that ends the run is the one reported).</summary>
    private static Task Settle(Task task) =>
        task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
