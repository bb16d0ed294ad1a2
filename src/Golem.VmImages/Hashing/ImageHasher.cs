using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Golem.VmImages.Hashing;

namespace Golem.VmImages;

/// <summary>
/// Computes SHA3-224 (FIPS 202) image hashes: incrementally through an instance, or in one call through the
/// static <c>HashData</c> methods. Shaped like the .NET hashing types (<c>SHA3_256</c>, <c>System.IO.Hashing</c>).
/// </summary>
/// <example>
/// <code>
/// ImageHash hash = await ImageHasher.HashFileAsync("image.gvmi");
/// Console.WriteLine(hash); // the same 56 hex digits as `sha3sum -a 224 image.gvmi`
/// </code>
/// </example>
/// <remarks>An instance is not thread-safe. Disposing it is always valid and makes further use throw.</remarks>
public sealed class ImageHasher : IDisposable
{
    /// <summary>The length of a SHA3-224 digest in bytes: 28.</summary>
    public const int HashSizeInBytes = ImageHash.SizeInBytes;

    private readonly Sha3Hasher _hasher;
    private bool _disposed;

    /// <summary>Initializes a new incremental SHA3-224 hasher.</summary>
    public ImageHasher()
        : this(KeccakCore.FastestPath)
    {
    }

    /// <summary>Initializes a hasher that runs exactly <paramref name="path"/>, for tests and benchmarks.</summary>
    internal ImageHasher(KeccakPath path)
    {
        _hasher = new Sha3Hasher(HashSizeInBytes, path);
    }

    /// <summary>Gets the incremental SHA3 state behind this hasher, for the internal stream and file pipelines.</summary>
    internal Sha3Hasher Core => _hasher;

    /// <summary>Gets how many bytes have been appended since creation or the last reset.</summary>
    public long BytesHashed => _hasher.BytesHashed;

    /// <summary>Appends <paramref name="data"/> to the data already hashed.</summary>
    /// <param name="data">The bytes to hash; may be empty.</param>
    /// <exception cref="ObjectDisposedException">The hasher has been disposed.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        ThrowIfDisposed();
        _hasher.Append(data);
    }

    /// <summary>Returns the hash of the data appended so far, without resetting: more data may still be appended.</summary>
    /// <returns>The image hash.</returns>
    /// <exception cref="ObjectDisposedException">The hasher has been disposed.</exception>
    public ImageHash GetCurrentHash()
    {
        ThrowIfDisposed();
        Span<byte> digest = stackalloc byte[HashSizeInBytes];
        _hasher.GetCurrentHash(digest);
        return ImageHash.FromBytes(digest);
    }

    /// <summary>Returns the hash of the data appended so far and resets the hasher to its initial state.</summary>
    /// <returns>The image hash.</returns>
    /// <exception cref="ObjectDisposedException">The hasher has been disposed.</exception>
    public ImageHash GetHashAndReset()
    {
        var hash = GetCurrentHash();
        Reset();
        return hash;
    }

    /// <summary>
    /// Writes the hash of the data appended so far to <paramref name="destination"/> and resets the hasher;
    /// when <paramref name="destination"/> is too short, writes nothing and keeps the state.
    /// </summary>
    /// <param name="destination">Where to write the 28-byte digest.</param>
    /// <param name="bytesWritten">28 on success; otherwise 0.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is shorter than 28 bytes.</returns>
    /// <exception cref="ObjectDisposedException">The hasher has been disposed.</exception>
    public bool TryGetHashAndReset(Span<byte> destination, out int bytesWritten)
    {
        ThrowIfDisposed();
        if (destination.Length < HashSizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        _hasher.GetCurrentHash(destination[..HashSizeInBytes]);
        _hasher.Reset();
        bytesWritten = HashSizeInBytes;
        return true;
    }

    /// <summary>Discards everything appended so far.</summary>
    /// <exception cref="ObjectDisposedException">The hasher has been disposed.</exception>
    public void Reset()
    {
        ThrowIfDisposed();
        _hasher.Reset();
    }

    /// <summary>Releases the hasher; any further call except <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hasher.Reset();
        }
    }

    /// <summary>Computes the image hash of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes to hash.</param>
    /// <returns>The image hash.</returns>
    public static ImageHash HashData(ReadOnlySpan<byte> source)
    {
        Span<byte> digest = stackalloc byte[HashSizeInBytes];
        HashData(source, digest);
        return ImageHash.FromBytes(digest);
    }

    /// <summary>Computes the image hash of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <param name="source">The bytes to hash.</param>
    /// <param name="destination">Where to write the 28-byte digest.</param>
    /// <returns>The number of bytes written: 28.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 28 bytes.</exception>
    public static int HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!TryHashData(source, destination, out var written))
        {
            ThrowDestinationTooShort(destination.Length, nameof(destination));
        }

        return written;
    }

    /// <summary>Computes the image hash of <paramref name="source"/> into <paramref name="destination"/>, if it fits.</summary>
    /// <param name="source">The bytes to hash.</param>
    /// <param name="destination">Where to write the 28-byte digest.</param>
    /// <param name="bytesWritten">28 on success; otherwise 0.</param>
    /// <returns><see langword="false"/> (writing nothing) when <paramref name="destination"/> is shorter than 28 bytes.</returns>
    public static bool TryHashData(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < HashSizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        Sha3Hasher.HashData(source, destination[..HashSizeInBytes], KeccakCore.FastestPath);
        bytesWritten = HashSizeInBytes;
        return true;
    }

    /// <summary>Computes the image hash of everything from the current position of <paramref name="source"/> to its end.</summary>
    /// <param name="source">A readable stream.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not readable.</exception>
    public static ImageHash HashData(Stream source)
    {
        ValidateReadable(source);
        using var hasher = new ImageHasher();
        StreamHashing.AppendAll(hasher._hasher, source);
        return hasher.GetHashAndReset();
    }

    /// <summary>Computes the image hash of everything from the current position of <paramref name="source"/> to its end.</summary>
    /// <param name="source">A readable stream.</param>
    /// <param name="cancellationToken">Checked between reads.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not readable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static ValueTask<ImageHash> HashDataAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ValidateReadable(source);
        return HashDataCoreAsync(source, cancellationToken);
    }

    /// <summary>Computes the image hash of a whole file, reading it sequentially with large buffers.</summary>
    /// <param name="path">The file to hash.</param>
    /// <param name="progress">Receives the number of bytes hashed so far, every few MiB and once at the end.</param>
    /// <param name="cancellationToken">Checked between reads.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static ValueTask<ImageHash> HashFileAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return HashFileCoreAsync(path, progress, cancellationToken);
    }

    /// <summary>
    /// Computes the image hash of a whole file on the calling thread: each buffer is read, then hashed, with no read
    /// in flight meanwhile.
    /// </summary>
    /// <remarks>
    /// Use it when every core is already busy hashing, e.g. several files on threads of their own (what
    /// <c>gvmi hash A B</c> does): the data is then hashed on the core that copied it in, and no other thread competes
    /// for the cores. For a single file prefer <see cref="HashFileAsync"/>, which reads the next buffer while it hashes
    /// this one, so a disk that is not yet in the page cache costs little hashing time.
    /// </remarks>
    /// <param name="path">The file to hash.</param>
    /// <param name="progress">Receives the number of bytes hashed so far, every few MiB and once at the end.</param>
    /// <param name="cancellationToken">Checked between reads.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static ImageHash HashFile(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var hasher = new ImageHasher();
        StreamHashing.AppendFile(hasher._hasher, path, progress, cancellationToken);
        return hasher.GetHashAndReset();
    }

    private static async ValueTask<ImageHash> HashDataCoreAsync(Stream source, CancellationToken cancellationToken)
    {
        using var hasher = new ImageHasher();
        await StreamHashing.AppendAllAsync(hasher._hasher, source, progress: null, cancellationToken).ConfigureAwait(false);
        return hasher.GetHashAndReset();
    }

    private static async ValueTask<ImageHash> HashFileCoreAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var hasher = new ImageHasher();
        await StreamHashing.AppendFileAsync(hasher._hasher, path, progress, cancellationToken).ConfigureAwait(false);
        return hasher.GetHashAndReset();
    }

    private static void ValidateReadable(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException(ErrorMessages.StreamNotReadable, nameof(source));
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(ImageHasher), ErrorMessages.HasherDisposed);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationTooShort(int length, string paramName) =>
        throw new ArgumentException(ErrorMessages.DestinationTooShort(HashSizeInBytes, length), paramName);
}
