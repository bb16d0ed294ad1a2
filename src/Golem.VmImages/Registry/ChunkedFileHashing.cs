using System.Buffers;
using System.Security.Cryptography;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Registry;

/// <summary>
/// One sequential read of a file that feeds every buffer to both the SHA3-224 of the whole file and the SHA-256 of
/// the chunk it belongs to. The two hashes of a buffer run side by side (SHA-256 on a pool thread) while the next
/// buffer is being read, so the pass costs about as much as the SHA3-224 alone.
/// </summary>
internal static class ChunkedFileHashing
{
    public static async Task<ImageDescriptor> ComputeAsync(string path, long? requestedChunkSize, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var length = RandomAccess.GetLength(handle);
        var chunkSize = requestedChunkSize ?? ImageDescriptor.GetDefaultChunkSize(length);
        var chunkCount = ImageDescriptor.GetChunkCount(length, chunkSize);
        if (chunkCount > (Array.MaxLength - ImageDescriptor.HeaderSize) / ImageDescriptor.ChunkHashSize)
        {
            throw new ArgumentOutOfRangeException(nameof(requestedChunkSize), requestedChunkSize, ErrorMessages.DescriptorTooManyChunks(length, chunkSize, chunkCount, ImageDescriptor.GetDefaultChunkSize(length)));
        }

        var chunkHashes = new byte[chunkCount * ImageDescriptor.ChunkHashSize];
        using var imageHasher = new ImageHasher();
        using var chunks = new ChunkHasher(chunkSize, chunkHashes);
        var current = ArrayPool<byte>.Shared.Rent(StreamHashing.BufferSize);
        var next = ArrayPool<byte>.Shared.Rent(StreamHashing.BufferSize);
        Task<int>? pending = null;
        long offset = 0;
        try
        {
            var nextReport = StreamHashing.ProgressInterval;
            pending = RandomAccess.ReadAsync(handle, current.AsMemory(0, StreamHashing.BufferSize), offset, cancellationToken).AsTask();
            while (true)
            {
                var count = await pending.ConfigureAwait(false);
                pending = null;
                if (count == 0 || offset + count > length)
                {
                    break;
                }

                offset += count;
                cancellationToken.ThrowIfCancellationRequested();
                pending = RandomAccess.ReadAsync(handle, next.AsMemory(0, StreamHashing.BufferSize), offset, cancellationToken).AsTask();
                var buffer = current;
                var chunkWork = Task.Run(() => chunks.Append(buffer.AsSpan(0, count)), CancellationToken.None);
                imageHasher.Append(current.AsSpan(0, count));
                await chunkWork.ConfigureAwait(false);
                (current, next) = (next, current);
                if (progress is not null && offset >= nextReport)
                {
                    progress.Report(offset);
                    nextReport = offset + StreamHashing.ProgressInterval;
                }
            }

            if (offset != length || RandomAccess.GetLength(handle) != length)
            {
                throw new IOException(ErrorMessages.DescriptorFileChanged(path, length, RandomAccess.GetLength(handle)));
            }

            chunks.Finish();
            progress?.Report(offset);
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

        return new ImageDescriptor(length, chunkSize, imageHasher.GetHashAndReset(), chunkHashes);
    }

    /// <summary>SHA-256 per chunk over data that arrives in buffers that need not line up with chunk boundaries.</summary>
    private sealed class ChunkHasher(long chunkSize, byte[] destination) : IDisposable
    {
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _inChunk;
        private int _done;

        public void Append(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                var take = (int)Math.Min(data.Length, chunkSize - _inChunk);
                _sha256.AppendData(data[..take]);
                _inChunk += take;
                data = data[take..];
                if (_inChunk == chunkSize)
                {
                    Complete();
                }
            }
        }

        /// <summary>Completes the last, shorter chunk, if there is one.</summary>
        public void Finish()
        {
            if (_inChunk > 0)
            {
                Complete();
            }
        }

        public void Dispose() => _sha256.Dispose();

        private void Complete()
        {
            _sha256.GetHashAndReset(destination.AsSpan(_done * ImageDescriptor.ChunkHashSize, ImageDescriptor.ChunkHashSize));
            _done++;
            _inChunk = 0;
        }
    }
}
