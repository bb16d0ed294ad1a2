using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Hashing;

/// <summary>
/// Feeds streams and files to a <see cref="Sha3Hasher"/> (the engine behind <see cref="ImageHasher"/>, the fetcher and
/// the cache) through large pooled buffers. The asynchronous loops
/// overlap I/O with hashing: while one buffer is hashed, the next one is being read into the other, so a warm
/// page cache or a fast disk costs (almost) no hashing time. Memory stays at two buffers whatever the size.
/// </summary>
internal static class StreamHashing
{
    /// <summary>The read size; see <c>benchmarks/README.md</c> for the measurement behind it.</summary>
    public const int BufferSize = 1 << 20;

    /// <summary>How many bytes pass between two progress reports.</summary>
    public const long ProgressInterval = OverlappedRead.ProgressInterval;

    /// <summary>Hashes a stream to its end on the calling thread: read a buffer, hash it, repeat.</summary>
    public static void AppendAll(
        Sha3Hasher hasher, Stream source, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var reports = new ProgressSchedule(progress);
            int read;
            while ((read = source.Read(buffer, 0, BufferSize)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                reports.After(hasher.BytesHashed);
                cancellationToken.ThrowIfCancellationRequested();
            }

            progress?.Report(hasher.BytesHashed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hashes a whole file on the calling thread, through an unbuffered stream opened for sequential access.</summary>
    public static void AppendFile(Sha3Hasher hasher, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        AppendAll(hasher, file, progress, cancellationToken);
    }

    public static async ValueTask AppendAllAsync(Sha3Hasher hasher, Stream source, IProgress<long>? progress, CancellationToken cancellationToken) =>
        await OverlappedRead.StreamAsync(source, new HasherSink(hasher), progress, BufferSize, cancellationToken).ConfigureAwait(false);

    public static ValueTask AppendFileAsync(Sha3Hasher hasher, string path, IProgress<long>? progress, CancellationToken cancellationToken) =>
        AppendFileAsync(hasher, path, progress, BufferSize, cancellationToken);

    /// <summary>Hashes a whole file with <c>pread</c>-style reads on a handle opened for sequential access.</summary>
    internal static async ValueTask AppendFileAsync(
        Sha3Hasher hasher, string path, IProgress<long>? progress, int bufferSize, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await AppendFileRangeAsync(hasher, handle, long.MaxValue, progress, bufferSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Hashes the first <paramref name="length"/> bytes of an open file (fewer when the file is shorter) through the
    /// overlapped pipeline; returns how many bytes were hashed. The fetcher re-hashes a partial download with it.
    /// </summary>
    internal static ValueTask<long> AppendFileRangeAsync(
        Sha3Hasher hasher, SafeFileHandle handle, long length, IProgress<long>? progress, int bufferSize, CancellationToken cancellationToken) =>
        OverlappedRead.FileRangeAsync(handle, length, new HasherSink(hasher), progress, bufferSize, cancellationToken);

    /// <summary>Feeds each buffer to the hasher on the reading thread.</summary>
    private readonly struct HasherSink(Sha3Hasher hasher) : IReadSink
    {
        public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            hasher.Append(data.Span);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reports progress every <see cref="ProgressInterval"/> bytes rather than after every read.</summary>
    private struct ProgressSchedule(IProgress<long>? progress)
    {
        private long _nextReport = ProgressInterval;

        public void After(long bytesHashed)
        {
            if (progress is not null && bytesHashed >= _nextReport)
            {
                progress.Report(bytesHashed);
                _nextReport = bytesHashed + ProgressInterval;
            }
        }
    }
}
