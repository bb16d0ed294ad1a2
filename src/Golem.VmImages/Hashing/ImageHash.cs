using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization;

namespace Golem.VmImages;

/// <summary>
/// The identity of a Golem VM image: the SHA3-224 digest (28 bytes) of the whole <c>.gvmi</c> file,
/// written as 56 lowercase hexadecimal characters, exactly as <c>sha3sum -a 224</c> prints it.
/// </summary>
/// <remarks>
/// <para>
/// <c>default(ImageHash)</c> holds no digest: <see cref="IsDefault"/> is <see langword="true"/>, it equals only
/// another default value, it formats as an empty string, and <see cref="AsSpan"/>, <see cref="ToArray"/> and
/// <see cref="CopyTo"/> throw <see cref="InvalidOperationException"/>. Every API of this library that takes an
/// image hash rejects the default value, so it can never be mistaken for the digest of real content (not even
/// an all-zero digest, which is a distinct, valid value).
/// </para>
/// <para>Parsing accepts exactly 56 hexadecimal digits in either case, ignoring surrounding white space.</para>
/// </remarks>
[JsonConverter(typeof(ImageHashJsonConverter))]
public readonly struct ImageHash
    : IEquatable<ImageHash>, ISpanFormattable, IUtf8SpanFormattable, ISpanParsable<ImageHash>, IUtf8SpanParsable<ImageHash>
{
    /// <summary>The length of a SHA3-224 digest in bytes: 28.</summary>
    public const int SizeInBytes = 28;

    /// <summary>The length of an image hash written in hexadecimal: 56 characters.</summary>
    public const int HexLength = SizeInBytes * 2;

    private readonly DigestBytes _bytes;
    private readonly bool _hasValue;

    private ImageHash(ReadOnlySpan<byte> digest)
    {
        digest.CopyTo(_bytes);
        _hasValue = true;
    }

    /// <summary>
    /// Gets the SHA3-224 digest of zero bytes, <c>6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7</c>.
    /// Seeing it for a downloaded image means an empty body was hashed.
    /// </summary>
    public static ImageHash OfEmptyInput { get; } = Parse("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7");

    /// <summary>Gets a value indicating whether this is <c>default(ImageHash)</c>, which holds no digest.</summary>
    public bool IsDefault => !_hasValue;

    /// <summary>Gets a value indicating whether this is the SHA3-224 digest of zero bytes (<see cref="OfEmptyInput"/>).</summary>
    public bool IsOfEmptyInput => Equals(OfEmptyInput);

    /// <summary>Creates an image hash from a 28-byte SHA3-224 digest.</summary>
    /// <param name="digest">The digest bytes.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is not exactly 28 bytes long.</exception>
    public static ImageHash FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != SizeInBytes)
        {
            throw new ArgumentException(ErrorMessages.ImageHashByteCount(digest.Length), nameof(digest));
        }

        return new ImageHash(digest);
    }

    /// <summary>Returns a read-only view of the 28 digest bytes.</summary>
    /// <returns>The digest bytes, valid as long as this value is.</returns>
    /// <exception cref="InvalidOperationException">This is <c>default(ImageHash)</c>.</exception>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan()
    {
        ThrowIfDefault();
        return _bytes;
    }

    /// <summary>Returns a new array holding the 28 digest bytes.</summary>
    /// <returns>The digest bytes.</returns>
    /// <exception cref="InvalidOperationException">This is <c>default(ImageHash)</c>.</exception>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Copies the 28 digest bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to write the digest; at least 28 bytes long.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 28 bytes.</exception>
    /// <exception cref="InvalidOperationException">This is <c>default(ImageHash)</c>.</exception>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException(ErrorMessages.DestinationTooShort(SizeInBytes, destination.Length), nameof(destination));
        }

        AsSpan().CopyTo(destination);
    }

    /// <summary>Parses 56 hexadecimal digits (either case, surrounding white space ignored).</summary>
    /// <param name="s">The text to parse.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not an image hash; the message says why.</exception>
    public static ImageHash Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan());
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static ImageHash Parse(ReadOnlySpan<char> s)
    {
        var start = s.Length - s.TrimStart().Length;
        var result = TryParseHex(s.Trim(), out var hash);
        return result.IsSuccess ? hash : throw new FormatException(result.Describe(start));
    }

    /// <summary>Parses 56 hexadecimal digits from UTF-8 text (either case, surrounding ASCII white space ignored).</summary>
    /// <param name="utf8Text">The UTF-8 text to parse.</param>
    /// <returns>The image hash.</returns>
    /// <exception cref="FormatException"><paramref name="utf8Text"/> is not an image hash; the message says why.</exception>
    public static ImageHash Parse(ReadOnlySpan<byte> utf8Text)
    {
        var trimmed = Ascii.Trim(utf8Text);
        var result = TryParseHex(utf8Text[trimmed], out var hash);
        return result.IsSuccess ? hash : throw new FormatException(result.Describe(trimmed.Start.GetOffset(utf8Text.Length)));
    }

    /// <summary>Tries to parse 56 hexadecimal digits (either case, surrounding white space ignored).</summary>
    /// <param name="s">The text to parse.</param>
    /// <param name="result">The image hash, or <c>default</c> when parsing failed.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> was an image hash.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, out ImageHash result) => TryParse(s.AsSpan(), out result);

    /// <inheritdoc cref="TryParse(string?, out ImageHash)"/>
    public static bool TryParse(ReadOnlySpan<char> s, out ImageHash result) => TryParseHex(s.Trim(), out result).IsSuccess;

    /// <summary>Tries to parse 56 hexadecimal digits from UTF-8 text (either case, surrounding ASCII white space ignored).</summary>
    /// <param name="utf8Text">The UTF-8 text to parse.</param>
    /// <param name="result">The image hash, or <c>default</c> when parsing failed.</param>
    /// <returns><see langword="true"/> when <paramref name="utf8Text"/> was an image hash.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8Text, out ImageHash result) =>
        TryParseHex(utf8Text[Ascii.Trim(utf8Text)], out result).IsSuccess;

    static ImageHash IParsable<ImageHash>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<ImageHash>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ImageHash result) =>
        TryParse(s, out result);

    static ImageHash ISpanParsable<ImageHash>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    static bool ISpanParsable<ImageHash>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out ImageHash result) =>
        TryParse(s, out result);

    static ImageHash IUtf8SpanParsable<ImageHash>.Parse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider) => Parse(utf8Text);

    static bool IUtf8SpanParsable<ImageHash>.TryParse(ReadOnlySpan<byte> utf8Text, IFormatProvider? provider, out ImageHash result) =>
        TryParse(utf8Text, out result);

    /// <summary>Returns the digest as 56 lowercase hexadecimal characters, or an empty string for <c>default(ImageHash)</c>.</summary>
    /// <returns>The hexadecimal digest.</returns>
    public override string ToString() => ToString(null, null);

    /// <summary>Formats the digest: <c>""</c> or <c>"x"</c> for lowercase hexadecimal, <c>"X"</c> for uppercase.</summary>
    /// <param name="format">The format string.</param>
    /// <param name="formatProvider">Ignored; hexadecimal is culture-invariant.</param>
    /// <returns>The hexadecimal digest, or an empty string for <c>default(ImageHash)</c>.</returns>
    /// <exception cref="FormatException"><paramref name="format"/> is not supported.</exception>
    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        var upper = IsUpperCase(format);
        if (!_hasValue)
        {
            return string.Empty;
        }

        return string.Create(HexLength, this, (chars, hash) => WriteHex(hash._bytes, chars, upper));
    }

    /// <summary>Writes the digest as hexadecimal characters (see <see cref="ToString(string?, IFormatProvider?)"/>).</summary>
    /// <param name="destination">Where to write the characters.</param>
    /// <param name="charsWritten">How many characters were written: 56, or 0 for <c>default(ImageHash)</c>.</param>
    /// <param name="format">The format string.</param>
    /// <param name="provider">Ignored.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too short.</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        var upper = IsUpperCase(format);
        var length = _hasValue ? HexLength : 0;
        if (destination.Length < length)
        {
            charsWritten = 0;
            return false;
        }

        WriteHex(_bytes, destination[..length], upper);
        charsWritten = length;
        return true;
    }

    /// <summary>Writes the digest as hexadecimal UTF-8 (see <see cref="ToString(string?, IFormatProvider?)"/>).</summary>
    /// <param name="utf8Destination">Where to write the UTF-8 bytes.</param>
    /// <param name="bytesWritten">How many bytes were written: 56, or 0 for <c>default(ImageHash)</c>.</param>
    /// <param name="format">The format string.</param>
    /// <param name="provider">Ignored.</param>
    /// <returns><see langword="false"/> when <paramref name="utf8Destination"/> is too short.</returns>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        var upper = IsUpperCase(format);
        var length = _hasValue ? HexLength : 0;
        if (utf8Destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        WriteHex(_bytes, utf8Destination[..length], upper);
        bytesWritten = length;
        return true;
    }

    /// <summary>Indicates whether both values hold the same digest (or are both default).</summary>
    /// <param name="other">The other image hash.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public bool Equals(ImageHash other) =>
        _hasValue == other._hasValue && ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ImageHash other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(_bytes);

    /// <summary>Indicates whether two image hashes are equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(ImageHash left, ImageHash right) => left.Equals(right);

    /// <summary>Indicates whether two image hashes differ.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when not equal.</returns>
    public static bool operator !=(ImageHash left, ImageHash right) => !left.Equals(right);

    private void ThrowIfDefault()
    {
        if (!_hasValue)
        {
            ThrowDefault();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDefault() => throw new InvalidOperationException(ErrorMessages.ImageHashIsDefault);

    private static bool IsUpperCase(ReadOnlySpan<char> format) => format switch
    {
        [] or ['x'] => false,
        ['X'] => true,
        _ => throw new FormatException(ErrorMessages.ImageHashFormat(format.ToString())),
    };

    private static void WriteHex<TChar>(ReadOnlySpan<byte> bytes, Span<TChar> destination, bool upper)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        var alphabet = upper ? "0123456789ABCDEF"u8 : "0123456789abcdef"u8;
        for (var i = 0; i < destination.Length / 2; i++)
        {
            destination[2 * i] = TChar.CreateTruncating(alphabet[bytes[i] >> 4]);
            destination[(2 * i) + 1] = TChar.CreateTruncating(alphabet[bytes[i] & 0xF]);
        }
    }

    private static ParseResult TryParseHex<TChar>(ReadOnlySpan<TChar> hex, out ImageHash result)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        result = default;
        if (hex.Length != HexLength)
        {
            return ParseResult.WrongLength(hex.Length);
        }

        Span<byte> digest = stackalloc byte[SizeInBytes];
        for (var i = 0; i < HexLength; i++)
        {
            var nibble = HexDigitValue(int.CreateTruncating(hex[i]));
            if (nibble < 0)
            {
                return ParseResult.InvalidCharacter((char)int.CreateTruncating(hex[i]), i);
            }

            digest[i / 2] = (byte)((digest[i / 2] << 4) | nibble);
        }

        result = new ImageHash(digest);
        return ParseResult.Success;
    }

    private static int HexDigitValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    [InlineArray(SizeInBytes)]
    private struct DigestBytes
    {
        private byte _element0;
    }

    private readonly record struct ParseResult(int FoundLength, char InvalidChar, int InvalidIndex)
    {
        public static ParseResult Success => new(HexLength, '\0', -1);

        public bool IsSuccess => FoundLength == HexLength && InvalidIndex < 0;

        public static ParseResult WrongLength(int found) => new(found, '\0', -1);

        public static ParseResult InvalidCharacter(char c, int index) => new(HexLength, c, index);

        public string Describe(int leadingWhiteSpace) =>
            InvalidIndex < 0
                ? ErrorMessages.ImageHashLength(FoundLength)
                : ErrorMessages.ImageHashCharacter(InvalidChar, leadingWhiteSpace + InvalidIndex);
    }
}
