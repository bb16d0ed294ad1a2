using System.Security.Cryptography;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Registry.Push;

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
        var read = await OverlappedRead.FileRangeAsync(handle, length, new BothSink(imageHasher, chunks), progress, StreamHashing.BufferSize, cancellationToken).ConfigureAwait(false);
        if (read != length || RandomAccess.GetLength(handle) != length)
        {
            throw new IOException(ErrorMessages.DescriptorFileChanged(path, length, RandomAccess.GetLength(handle)));
        }

        chunks.Finish();
        return new ImageDescriptor(length, chunkSize, imageHasher.GetHashAndReset(), chunkHashes);
    }

    /// <summary>Hashes each buffer into the SHA3-224 of the file here and into its chunks' SHA-256 on a pool thread, side by side.</summary>
    private sealed class BothSink(ImageHasher image, ChunkHasher chunks) : IReadSink
    {
        public async ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            var chunkWork = Task.Run(() => chunks.Append(data.Span), CancellationToken.None);
            image.Append(data.Span);
            await chunkWork.ConfigureAwait(false);
        }
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
