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
        RunAsync(static (source, _, buffer, token) => source.ReadAsync(buffer, token), source, sink, progress, bufferSize, cancellationToken);

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
            cancellationToken);

    /// <summary>
    /// The pipeline. <paramref name="read"/> gets the offset reached so far and is never called again before its
    /// previous task has completed, so it needs no thread safety.
    /// </summary>
    private static async ValueTask<long> RunAsync<TSource, TSink>(
        Func<TSource, long, Memory<byte>, CancellationToken, ValueTask<int>> read,
        TSource source,
        TSink sink,
        IProgress<long>? progress,
        int bufferSize,
        CancellationToken cancellationToken)
        where TSink : IReadSink
    {
        cancellationToken.ThrowIfCancellationRequested();
        var current = ArrayPool<byte>.Shared.Rent(bufferSize);
        var next = ArrayPool<byte>.Shared.Rent(bufferSize);
        Task<int>? pending = null;
        long offset = 0;
        try
        {
            var nextReport = ProgressInterval;
            pending = read(source, offset, current.AsMemory(0, bufferSize), cancellationToken).AsTask();
            while (true)
            {
                var count = await pending.ConfigureAwait(false);
                pending = null;
                if (count == 0)
                {
                    break;
                }

                // Start the next read before the sink consumes this buffer.
                offset += count;
                cancellationToken.ThrowIfCancellationRequested();
                pending = read(source, offset, next.AsMemory(0, bufferSize), cancellationToken).AsTask();
                await sink.ConsumeAsync(current.AsMemory(0, count)).ConfigureAwait(false);
                (current, next) = (next, current);
                if (progress is not null && offset >= nextReport)
                {
                    progress.Report(offset);
                    nextReport = offset + ProgressInterval;
                }
            }

            progress?.Report(offset);
            return offset;
        }
        finally
        {
            // A read still in flight (after a failure or cancellation) must finish before its buffer goes back to the pool.
            if (pending is not null)
            {
                await pending.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                    .ConfigureAwait(false);
            }

            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }
}
