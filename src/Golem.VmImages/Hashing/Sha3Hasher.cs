using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Golem.VmImages.Hashing;

/// <summary>
/// Incremental SHA3 of any standard length, straight over <see cref="KeccakCore"/>: the 25-lane state, the partial
/// block not yet absorbed, and the FIPS 202 padding, in one object with no other layer between it and the Keccak
/// permutation. <see cref="ImageHasher"/> is this with SHA3-224; <see cref="Sha3Verifier"/>, the fetcher and the cache
/// use it for whatever length a digest names.
/// </summary>
/// <remarks>
/// Every instance runs one <see cref="KeccakPath"/>: the fastest this machine supports unless a test or benchmark forces
/// another. Getting a digest works on a copy of the state, so <see cref="GetCurrentHash"/> can be called at any point.
/// </remarks>
internal sealed class Sha3Hasher
{
    private KeccakState _state;
    private RateBlock _pending;
    private int _pendingCount;

    /// <summary>Initializes a hasher for <paramref name="digestSizeInBytes"/>-byte digests on the fastest path here.</summary>
    public Sha3Hasher(int digestSizeInBytes)
        : this(digestSizeInBytes, KeccakCore.FastestPath)
    {
    }

    /// <summary>Initializes a hasher that runs exactly <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="digestSizeInBytes"/> is not 28, 32, 48 or 64.</exception>
    /// <exception cref="PlatformNotSupportedException"><paramref name="path"/> cannot run on this machine.</exception>
    public Sha3Hasher(int digestSizeInBytes, KeccakPath path)
    {
        RateInBytes = RateOf(digestSizeInBytes);
        ThrowIfNotSupported(path);
        DigestSizeInBytes = digestSizeInBytes;
        Path = path;
    }

    /// <summary>Gets the digest length: 28 for SHA3-224, 32, 48 or 64 for the longer variants.</summary>
    public int DigestSizeInBytes { get; }

    /// <summary>Gets the sponge rate, the block size: 144 bytes for SHA3-224.</summary>
    public int RateInBytes { get; }

    /// <summary>Gets the instruction-set path this hasher runs.</summary>
    public KeccakPath Path { get; }

    /// <summary>Gets how many bytes have been appended since creation or the last <see cref="Reset"/>.</summary>
    public long BytesHashed { get; private set; }

    /// <summary>Creates a hasher for a digest of <paramref name="bitLength"/> bits on the fastest path here.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bitLength"/> is not 224, 256, 384 or 512.</exception>
    public static Sha3Hasher Create(int bitLength)
    {
        ThrowIfUnsupported(bitLength);
        return new(bitLength / 8);
    }

    /// <summary>Computes the <paramref name="bitLength"/>-bit SHA3 digest of <paramref name="source"/> in one call.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bitLength"/> is not 224, 256, 384 or 512.</exception>
    public static Sha3Digest HashData(int bitLength, ReadOnlySpan<byte> source)
    {
        ThrowIfUnsupported(bitLength);
        Span<byte> digest = stackalloc byte[bitLength / 8];
        HashData(source, digest, KeccakCore.FastestPath);
        return Sha3Digest.FromBytes(digest);
    }

    /// <summary>
    /// Writes the <paramref name="destination"/>.Length-byte SHA3 digest of <paramref name="source"/> (28, 32, 48 or 64
    /// bytes), on the stack and without allocating.
    /// </summary>
    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination, KeccakPath path)
    {
        var rate = RateOf(destination.Length);
        ThrowIfNotSupported(path);
        KeccakState state = default;
        var whole = source.Length - (source.Length % rate);
        KeccakCore.Absorb(state, source[..whole], rate, path);
        Finish(state, source[whole..], rate, path, destination);
    }

    /// <summary>Appends <paramref name="data"/>: whole blocks go to the permutation at once, the rest waits for more.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        BytesHashed += data.Length;
        var rate = RateInBytes;
        Span<byte> pending = _pending;
        if (_pendingCount > 0)
        {
            var take = Math.Min(rate - _pendingCount, data.Length);
            data[..take].CopyTo(pending[_pendingCount..]);
            _pendingCount += take;
            data = data[take..];
            if (_pendingCount < rate)
            {
                return;
            }

            KeccakCore.Absorb(_state, pending[..rate], rate, Path);
            _pendingCount = 0;
        }

        var whole = data.Length - (data.Length % rate);
        KeccakCore.Absorb(_state, data[..whole], rate, Path);
        data[whole..].CopyTo(pending);
        _pendingCount = data.Length - whole;
    }

    /// <summary>Writes the digest of everything appended so far; the running state is left unchanged.</summary>
    public void GetCurrentHash(Span<byte> destination)
    {
        var state = _state;
        Finish(state, ((ReadOnlySpan<byte>)_pending)[.._pendingCount], RateInBytes, Path, destination[..DigestSizeInBytes]);
    }

    /// <summary>Returns the digest of everything appended so far; the running state is left unchanged.</summary>
    public Sha3Digest GetCurrentDigest()
    {
        Span<byte> digest = stackalloc byte[DigestSizeInBytes];
        GetCurrentHash(digest);
        return Sha3Digest.FromBytes(digest);
    }

    /// <summary>Returns to the initial, empty state.</summary>
    public void Reset()
    {
        _state = default;
        _pending = default;
        _pendingCount = 0;
        BytesHashed = 0;
    }

    /// <summary>Copies the 25 lanes of the running state (as of the last whole block absorbed), for tests.</summary>
    internal void CopyStateTo(Span<ulong> destination) => ((ReadOnlySpan<ulong>)_state).CopyTo(destination);

    /// <summary>Pads the final, partial block (the SHA3 domain bits 01, then pad10*1), absorbs it and squeezes the digest.</summary>
    private static void Finish(Span<ulong> state, ReadOnlySpan<byte> finalBlock, int rate, KeccakPath path, Span<byte> destination)
    {
        RateBlock padded = default;
        Span<byte> last = ((Span<byte>)padded)[..rate];
        finalBlock.CopyTo(last);
        last[finalBlock.Length] ^= 0x06;
        last[^1] ^= 0x80;
        KeccakCore.Absorb(state, last, rate, path);

        // Every SHA3 digest is shorter than its rate, so one squeeze gives all of it.
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(state, state);
        }

        MemoryMarshal.AsBytes(state)[..destination.Length].CopyTo(destination);
    }

    private static int RateOf(int digestSizeInBytes)
    {
        ThrowIfUnsupported(digestSizeInBytes * 8, nameof(digestSizeInBytes));
        return KeccakCore.StateSizeInBytes - (2 * digestSizeInBytes);
    }

    private static void ThrowIfUnsupported(int bitLength, [CallerArgumentExpression(nameof(bitLength))] string? paramName = null)
    {
        if (!Sha3Digest.IsSupportedBitLength(bitLength))
        {
            throw new ArgumentOutOfRangeException(paramName, bitLength, ErrorMessages.UnsupportedDigestLength(bitLength));
        }
    }

    private static void ThrowIfNotSupported(KeccakPath path)
    {
        if (!KeccakCore.IsSupported(path))
        {
            throw new PlatformNotSupportedException(ErrorMessages.KeccakPathNotSupported(path.ToString()));
        }
    }

    /// <summary>The Keccak state: 25 lanes of 64 bits, inline in the hasher (or on the stack for one-shot hashing).</summary>
    [InlineArray(KeccakCore.StateLanes)]
    private struct KeccakState
    {
        private ulong _lane0;
    }

    /// <summary>One block at the largest SHA3 rate (SHA3-224's 144 bytes).</summary>
    [InlineArray(KeccakCore.MaxRateInBytes)]
    private struct RateBlock
    {
        private byte _byte0;
    }
}
