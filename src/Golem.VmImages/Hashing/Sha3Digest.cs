using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Golem.VmImages;

/// <summary>
/// A SHA3 digest of any of the four standard lengths (SHA3-224, -256, -384 or -512), as named by a task-package
/// string: the length of the digest selects the algorithm. An <see cref="ImageHash"/> is the SHA3-224 case.
/// </summary>
/// <remarks>
/// <para><c>default(Sha3Digest)</c> holds no digest: <see cref="IsDefault"/> is <see langword="true"/> and it formats as an empty string.</para>
/// <para>Parsing accepts 56, 64, 96 or 128 hexadecimal digits in either case, ignoring surrounding white space.</para>
/// <para>
/// The two digest types convert both ways without allocating: an <see cref="ImageHash"/> converts implicitly to the
/// SHA3-224 <see cref="Sha3Digest"/> it is, and a SHA3-224 digest converts back explicitly (or through
/// <see cref="TryGetImageHash"/>). Fetching takes a <see cref="Sha3Digest"/> because a task package may name any SHA3
/// length; everything that names a .gvmi file (publish, push, build, serve) speaks <see cref="ImageHash"/>.
/// </para>
/// </remarks>
public readonly struct Sha3Digest : IEquatable<Sha3Digest>, ISpanParsable<Sha3Digest>, IUtf8SpanParsable<Sha3Digest>
{
    private const int MaxSizeInBytes = 64;

    private readonly Storage _bytes;
    private readonly byte _length;

    private Sha3Digest(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_bytes);
        _length = (byte)bytes.Length;
    }

    /// <summary>Gets the digest length in bits: 224, 256, 384 or 512 (0 for <c>default</c>).</summary>
    public int BitLength => _length * 8;

    /// <summary>Gets the algorithm name, such as <c>SHA3-224</c>.</summary>
    public string AlgorithmName => IsDefault ? string.Empty : $"SHA3-{BitLength}";

    /// <summary>Gets a value indicating whether this is <c>default(Sha3Digest)</c>, which holds no digest.</summary>
    public bool IsDefault => _length == 0;

    /// <summary>Gets the digest bytes (empty for <c>default</c>), valid as long as this value is.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Bytes => ((ReadOnlySpan<byte>)_bytes)[.._length];

    /// <summary>Indicates whether <paramref name="bitLength"/> is one of 224, 256, 384 and 512.</summary>
    /// <param name="bitLength">A digest length in bits.</param>
    /// <returns><see langword="true"/> for a standard SHA3 length.</returns>
    public static bool IsSupportedBitLength(int bitLength) => bitLength is 224 or 256 or 384 or 512;

    /// <summary>Creates a digest from its bytes; the length (28, 32, 48 or 64 bytes) selects the algorithm.</summary>
    /// <param name="digest">The digest bytes.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentException">The length is not a SHA3 digest length.</exception>
    public static Sha3Digest FromBytes(ReadOnlySpan<byte> digest)
    {
        if (!IsSupportedBitLength(digest.Length * 8))
        {
            throw new ArgumentException(ErrorMessages.UnsupportedDigestLength(digest.Length * 8), nameof(digest));
        }

        return new Sha3Digest(digest);
    }

    /// <summary>Parses 56, 64, 96 or 128 hexadecimal digits (either case, surrounding white space ignored).</summary>
    /// <param name="s">The text to parse.</param>
    /// <returns>The digest; its length selects the algorithm.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a SHA3 digest; the message says why.</exception>
    public static Sha3Digest Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan());
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static Sha3Digest Parse(ReadOnlySpan<char> s)
    {
        var trimmed = s.Trim();
        var error = TryParseHex(trimmed, s.Length - s.TrimStart().Length, out var digest);
        return error is null ? digest : throw new FormatException(error);
    }

    /// <summary>Parses 56, 64, 96 or 128 hexadecimal digits from UTF-8 text (either case, surrounding ASCII white space ignored).</summary>
    /// <param name="utf8Text">The UTF-8 text to parse.</param>
    /// <returns>The digest; its length selects the algorithm.</returns>
    /// <exception cref="FormatException"><paramref name="utf8Text"/> is not a SHA3 digest; the message says why.</exception>
    public static Sha3Digest Parse(ReadOnlySpan<byte> utf8Text)
    {
        var trimmed = Ascii.Trim(utf8Text);
        var error = TryParseHex(utf8Text[trimmed], trimmed.Start.GetOffset(utf8Text.Length), out var digest);
        return error is null ? digest : throw new FormatException(error);
    }

    /// <summary>Tries to parse 56, 64, 96 or 128 hexadecimal digits (either case, surrounding white space ignored).</summary>
    /// <param name="s">The text to parse.</param>
    /// <param name="result">The digest, or <c>default</c> when parsing failed.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> was a SHA3 digest.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, out Sha3Digest result) => TryParse(s.AsSpan(), out result);

    /// <inheritdoc cref="TryParse(string?, out Sha3Digest)"/>
    public static bool TryParse(ReadOnlySpan<char> s, out Sha3Digest result) => TryParseHex(s.Trim(), 0, out result) is null;

    /// <summary>Tries to parse 56, 64, 96 or 128 hexadecimal digits from UTF-8 text (either case, surrounding ASCII white space ignored).</summary>
    /// <param name="utf8Text">The UTF-8 text to parse.</param>
    /// <param name="result">The digest, or <c>default</c> when parsing failed.</param>
    /// <returns><see langword="true"/> when <paramref name="utf8Text"/> was a SHA3 digest.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8Text, out Sha3Digest result) =>
        TryParseHex(utf8Text[Ascii.Trim(utf8Text)], 0, out result) is null;

    static Sha3Digest IParsable<Sha3Digest>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<Sha3Digest>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Sha3Digest result) =>
        TryParse(s, out result);

    static Sha3Digest ISpanParsable<Sha3Digest>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    static bool ISpanParsable<Sha3Digest>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Sha3Digest result) =>
        TryParse(s, out result);

    static Sha3Digest IUtf8SpanParsable<Sha3Digest>.Parse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider) => Parse(utf8Text);

    static bool IUtf8SpanParsable<Sha3Digest>.TryParse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider, out Sha3Digest result) =>
        TryParse(utf8Text, out result);

    /// <summary>
    /// Parses exactly the hexadecimal digits of a digest (no white space, no prefix): the one parser behind
    /// <see cref="Parse(string)"/> and the digest part of task-package and manifest strings.
    /// </summary>
    /// <param name="hex">The digits.</param>
    /// <param name="offset">Where <paramref name="hex"/> starts in the caller's whole input, for the index in error messages.</param>
    /// <param name="digest">The digest on success; otherwise <c>default</c>.</param>
    /// <returns><see langword="null"/> on success; otherwise the error message.</returns>
    internal static string? TryParseHex<TChar>(ReadOnlySpan<TChar> hex, int offset, out Sha3Digest digest)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        digest = default;
        if (hex.IsEmpty)
        {
            return ErrorMessages.DigestEmpty;
        }

        for (var i = 0; i < hex.Length; i++)
        {
            var c = (char)int.CreateTruncating(hex[i]);
            if (!char.IsAsciiHexDigit(c))
            {
                return ErrorMessages.DigestCharacter(c, offset + i);
            }
        }

        if (hex.Length % 2 != 0)
        {
            return ErrorMessages.DigestOddLength(hex.Length);
        }

        if (!IsSupportedBitLength(hex.Length * 4))
        {
            return ErrorMessages.UnsupportedDigestLength(hex.Length * 4);
        }

        Span<char> digits = stackalloc char[hex.Length];
        for (var i = 0; i < hex.Length; i++)
        {
            digits[i] = (char)int.CreateTruncating(hex[i]);
        }

        Span<byte> bytes = stackalloc byte[hex.Length / 2];
        Convert.FromHexString(digits, bytes, out _, out _);
        digest = new Sha3Digest(bytes);
        return null;
    }

    /// <summary>Hashes <paramref name="source"/> to its end on the calling thread with SHA3 of <paramref name="bitLength"/> bits.</summary>
    /// <param name="source">The stream to read.</param>
    /// <param name="bitLength">The digest length: 224, 256, 384 or 512.</param>
    /// <param name="progress">Receives the number of bytes hashed so far, every 16 MiB and at the end.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bitLength"/> is not 224, 256, 384 or 512.</exception>
    public static Sha3Digest HashData(Stream source, int bitLength, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var hasher = Hashing.Sha3Hasher.Create(bitLength);
        Hashing.StreamHashing.AppendAll(hasher, source, progress, cancellationToken);
        return hasher.GetCurrentDigest();
    }

    /// <summary>Hashes <paramref name="source"/> to its end with SHA3 of <paramref name="bitLength"/> bits, the next read overlapping the hashing of the last.</summary>
    /// <param name="source">The stream to read.</param>
    /// <param name="bitLength">The digest length: 224, 256, 384 or 512.</param>
    /// <param name="progress">Receives the number of bytes hashed so far, every 16 MiB and at the end.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bitLength"/> is not 224, 256, 384 or 512.</exception>
    public static ValueTask<Sha3Digest> HashDataAsync(Stream source, int bitLength, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return HashDataCoreAsync(source, Hashing.Sha3Hasher.Create(bitLength), progress, cancellationToken);
    }

    /// <summary>Converts an image hash to the SHA3-224 digest it is.</summary>
    /// <param name="hash">The image hash.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is <c>default(ImageHash)</c>.</exception>
    public static Sha3Digest FromImageHash(ImageHash hash)
    {
        if (hash.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.ImageHashIsDefault, nameof(hash));
        }

        return new Sha3Digest(hash.AsSpan());
    }

    /// <summary>
    /// Converts an image hash to the SHA3-224 digest it is. Never throws: <c>default(ImageHash)</c> converts to
    /// <c>default(Sha3Digest)</c>, which every API taking a digest rejects by the name of its own parameter.
    /// </summary>
    /// <param name="hash">The image hash.</param>
    public static implicit operator Sha3Digest(ImageHash hash) => hash.IsDefault ? default : new Sha3Digest(hash.AsSpan());

    /// <summary>
    /// Converts a SHA3-224 digest to the image hash it is, without allocating. <c>default(Sha3Digest)</c> converts to
    /// <c>default(ImageHash)</c>.
    /// </summary>
    /// <param name="digest">The digest.</param>
    /// <exception cref="InvalidCastException"><paramref name="digest"/> is a SHA3-256, -384 or -512 digest.</exception>
    public static explicit operator ImageHash(Sha3Digest digest) =>
        digest.IsDefault ? default
        : digest.TryGetImageHash(out var hash) ? hash
        : throw new InvalidCastException(ErrorMessages.NotAnImageHash(digest.AlgorithmName));

    /// <summary>Gets this digest as an <see cref="ImageHash"/> when it is a SHA3-224 digest, without allocating.</summary>
    /// <param name="hash">The image hash, or <c>default</c>.</param>
    /// <returns><see langword="true"/> for a SHA3-224 digest.</returns>
    public bool TryGetImageHash(out ImageHash hash)
    {
        hash = BitLength == 224 ? ImageHash.FromBytes(Bytes) : default;
        return !hash.IsDefault;
    }

    /// <summary>Returns the digest as lowercase hexadecimal, or an empty string for <c>default</c>.</summary>
    /// <returns>The hexadecimal digest.</returns>
    public override string ToString() => Convert.ToHexStringLower(Bytes);

    /// <inheritdoc/>
    public bool Equals(Sha3Digest other) => Bytes.SequenceEqual(other.Bytes) && IsDefault == other.IsDefault;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Sha3Digest other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <summary>Indicates whether two digests are equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(Sha3Digest left, Sha3Digest right) => left.Equals(right);

    /// <summary>Indicates whether two digests differ.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when not equal.</returns>
    public static bool operator !=(Sha3Digest left, Sha3Digest right) => !left.Equals(right);

    private static async ValueTask<Sha3Digest> HashDataCoreAsync(Stream source, Hashing.Sha3Hasher hasher, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await Hashing.StreamHashing.AppendAllAsync(hasher, source, progress, cancellationToken).ConfigureAwait(false);
        return hasher.GetCurrentDigest();
    }

    [InlineArray(MaxSizeInBytes)]
    private struct Storage
    {
        private byte _element0;
    }
}
