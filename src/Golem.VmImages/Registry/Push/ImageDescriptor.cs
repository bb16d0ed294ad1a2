using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// The chunked-upload descriptor of an image, byte for byte what gvmkit-build writes to <c>&lt;image&gt;.descr.bin</c>:
/// big-endian <c>u64</c> <see cref="FormatVersion"/>, <c>u64</c> image size, <c>u64</c> chunk size, the image's SHA3-224
/// (28 bytes), then the SHA-256 of each chunk (32 bytes each). The SHA-256 of these bytes (<see cref="Sha256"/>)
/// identifies the upload to the registry, so the same file with the same chunk size gives the same upload whichever
/// tool sends it.
/// </summary>
public sealed class ImageDescriptor
{
    /// <summary>The descriptor format version gvmkit-build writes first: <c>0x0000000333333334</c>.</summary>
    public const ulong FormatVersion = 0x0000000333333334;

    /// <summary>The length of the fixed part before the chunk hashes, in bytes: 52 (three <c>u64</c> and the SHA3-224).</summary>
    public const int HeaderSize = (3 * sizeof(ulong)) + ImageHash.SizeInBytes;

    /// <summary>The length of one chunk hash, in bytes: 32 (SHA-256).</summary>
    public const int ChunkHashSize = SHA256.HashSizeInBytes;

    /// <summary>The smallest chunk size gvmkit-build picks by itself: 2 MiB.</summary>
    public const long MinDefaultChunkSize = 2L << 20;

    private readonly byte[] _bytes;

    internal ImageDescriptor(long size, long chunkSize, ImageHash imageHash, byte[] chunkHashes)
    {
        Size = size;
        ChunkSize = chunkSize;
        ImageHash = imageHash;
        ChunkCount = chunkHashes.Length / ChunkHashSize;
        _bytes = new byte[HeaderSize + chunkHashes.Length];
        var span = _bytes.AsSpan();
        BinaryPrimitives.WriteUInt64BigEndian(span, FormatVersion);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], (ulong)size);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], (ulong)chunkSize);
        imageHash.CopyTo(span[24..]);
        chunkHashes.CopyTo(span[HeaderSize..]);
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(_bytes));
    }

    /// <summary>Reads serialized descriptor bytes back, checking the format version and that the chunk hashes match the size and chunk size.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ImageDescriptor? descriptor)
    {
        descriptor = null;
        if (bytes.Length < HeaderSize || BinaryPrimitives.ReadUInt64BigEndian(bytes) != FormatVersion)
        {
            return false;
        }

        var size = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        var chunkSize = BinaryPrimitives.ReadInt64BigEndian(bytes[16..]);
        var chunkHashes = bytes[HeaderSize..];
        if (size < 0 || chunkSize <= 0 || chunkHashes.Length != GetChunkCount(size, chunkSize) * ChunkHashSize)
        {
            return false;
        }

        descriptor = new ImageDescriptor(size, chunkSize, ImageHash.FromBytes(bytes.Slice(24, ImageHash.SizeInBytes)), chunkHashes.ToArray());
        return true;
    }

    /// <summary>Gets the image size in bytes.</summary>
    public long Size { get; }

    /// <summary>Gets the chunk size in bytes; the last chunk may be shorter.</summary>
    public long ChunkSize { get; }

    /// <summary>Gets the number of chunks: the image size divided by the chunk size, rounded up (0 for an empty file).</summary>
    public int ChunkCount { get; }

    /// <summary>Gets the SHA3-224 of the whole image: its image hash.</summary>
    public ImageHash ImageHash { get; }

    /// <summary>Gets the SHA-256 of the serialized descriptor as 64 lowercase hexadecimal characters: the registry's name for the upload.</summary>
    public string Sha256 { get; }

    /// <summary>Gets the serialized descriptor: <see cref="HeaderSize"/> + 32 × <see cref="ChunkCount"/> bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>
    /// The chunk size gvmkit-build picks for an image of <paramref name="imageSize"/> bytes when none is given:
    /// above 5 GiB 100 MiB; above 2 GiB 50 MiB; above 1 GiB 20 MiB; above 500 MiB 10 MiB; above 200 MiB 5 MiB; else 2 MiB.
    /// </summary>
    /// <param name="imageSize">The image size in bytes.</param>
    /// <returns>The chunk size in bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="imageSize"/> is negative.</exception>
    public static long GetDefaultChunkSize(long imageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageSize);
        const long MiB = 1L << 20;
        const long GiB = 1L << 30;
        return imageSize switch
        {
            > 5 * GiB => 100 * MiB,
            > 2 * GiB => 50 * MiB,
            > 1 * GiB => 20 * MiB,
            > 500 * MiB => 10 * MiB,
            > 200 * MiB => 5 * MiB,
            _ => MinDefaultChunkSize,
        };
    }

    /// <summary>The number of chunks an image of <paramref name="imageSize"/> bytes makes with chunks of <paramref name="chunkSize"/> bytes.</summary>
    /// <param name="imageSize">The image size in bytes.</param>
    /// <param name="chunkSize">The chunk size in bytes.</param>
    /// <returns>The image size divided by the chunk size, rounded up.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="imageSize"/> is negative or <paramref name="chunkSize"/> is not positive.</exception>
    public static long GetChunkCount(long imageSize, long chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        return (imageSize / chunkSize) + (imageSize % chunkSize == 0 ? 0 : 1);
    }

    /// <summary>Gets the byte offset of chunk <paramref name="index"/> in the image.</summary>
    /// <param name="index">The chunk number, from 0.</param>
    /// <returns>The offset.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a chunk number.</exception>
    public long GetChunkOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        return index * ChunkSize;
    }

    /// <summary>Gets the length of chunk <paramref name="index"/>: <see cref="ChunkSize"/>, or less for the last one.</summary>
    /// <param name="index">The chunk number, from 0.</param>
    /// <returns>The length in bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a chunk number.</exception>
    public long GetChunkLength(int index) => Math.Min(ChunkSize, Size - GetChunkOffset(index));

    /// <summary>Gets the SHA-256 of chunk <paramref name="index"/>.</summary>
    /// <param name="index">The chunk number, from 0.</param>
    /// <returns>The 32-byte digest.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a chunk number.</exception>
    public ReadOnlySpan<byte> GetChunkHash(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        return _bytes.AsSpan(HeaderSize + (index * ChunkHashSize), ChunkHashSize);
    }

    /// <summary>
    /// Reads a file once and computes its descriptor: the SHA3-224 of the whole file and the SHA-256 of each chunk,
    /// from the same buffers.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="chunkSize">The chunk size in bytes, or <see langword="null"/> for gvmkit-build's choice (<see cref="GetDefaultChunkSize"/>).</param>
    /// <param name="progress">Receives the number of bytes read so far, every few MiB and once at the end.</param>
    /// <param name="cancellationToken">Checked between reads.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is not positive.</exception>
    /// <exception cref="IOException">The file cannot be read, or it changed size while it was read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static Task<ImageDescriptor> ComputeAsync(string path, long? chunkSize = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (chunkSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, nameof(chunkSize));
        }

        return ChunkedFileHashing.ComputeAsync(path, chunkSize, progress, cancellationToken);
    }
}
