using System.Globalization;
using System.Text;

namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// One line of <c>sha3sum</c> output. Written as coreutils writes it: <c>&lt;hex&gt;  &lt;file&gt;</c>, or with
/// <c>--tag</c> the BSD form <c>SHA3-224 (&lt;file&gt;) = &lt;hex&gt;</c>; a file name holding a backslash, a line feed
/// or a carriage return is escaped and the line starts with a backslash. Read in every form <c>sha256sum -c</c> reads
/// (leading blanks, <c> *</c> for binary mode, the BSD form) and also with a single space or a tab after the hex.
/// </summary>
internal static class ChecksumLine
{
    private const string AlgorithmPrefix = "SHA3-";

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static readonly System.Buffers.SearchValues<char> DecimalDigits = System.Buffers.SearchValues.Create("0123456789");

    /// <summary>The coreutils name of a SHA3 length, as in the BSD form: <c>SHA3-224</c>.</summary>
    public static string AlgorithmName(int bitLength) => AlgorithmPrefix + bitLength.ToString(CultureInfo.InvariantCulture);

    public static string Format(Sha3Digest digest, string fileName, bool tag = false)
    {
        var name = EscapeName(fileName, out var escaped);
        var prefix = escaped ? "\\" : string.Empty;
        return tag
            ? $"{prefix}{AlgorithmName(digest.BitLength)} ({name}) = {digest}"
            : $"{prefix}{digest}  {name}";
    }

    /// <summary>
    /// Escapes a file name as coreutils does for its sums lines (<c>\\</c>, <c>\n</c>, <c>\r</c>), so a name can
    /// neither end a line nor forge one; <paramref name="escaped"/> tells whether the line must start with a backslash.
    /// </summary>
    public static string EscapeName(string fileName, out bool escaped)
    {
        escaped = fileName.AsSpan().IndexOfAny('\\', '\n', '\r') >= 0;
        return escaped ? Escape(fileName) : fileName;
    }

    /// <summary>
    /// Escapes a file name for a <c>FILE: OK</c> line as <c>sha256sum -c</c> does: only a name holding a line break
    /// is escaped (and its line starts with a backslash), so no name can print a line of its own.
    /// </summary>
    public static string EscapeVerdictName(string fileName, out bool escaped)
    {
        escaped = fileName.AsSpan().IndexOfAny('\n', '\r') >= 0;
        return escaped ? Escape(fileName) : fileName;
    }

    private static string Escape(string fileName) =>
        fileName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    /// <summary>
    /// Reads one checksum line; <paramref name="bitLength"/> (224, 256, 384 or 512) accepts only that length, null any.
    /// A line holding a NUL is malformed: no file name can hold one.
    /// </summary>
    public static bool TryParse(string line, int? bitLength, out Sha3Digest digest, out string fileName)
    {
        digest = default;
        fileName = string.Empty;
        if (line.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var text = line.AsSpan().TrimStart(" \t");
        var escaped = text.StartsWith('\\');
        if (escaped)
        {
            text = text[1..];
        }

        string? name;
        if (text.StartsWith(AlgorithmPrefix, StringComparison.Ordinal))
        {
            if (!TrySplitTagged(text, out var algorithmBits, out var nameText, out var hexText) || !TryDigest(hexText, algorithmBits, out digest))
            {
                return false;
            }

            name = nameText.ToString();
        }
        else
        {
            var hexLength = text.IndexOfAnyExcept(HexDigits);
            if (hexLength <= 0 || !TryDigest(text[..hexLength], hexLength * 4, out digest))
            {
                return false;
            }

            var rest = text[hexLength..];
            if (rest.StartsWith("  ") || rest.StartsWith(" *"))
            {
                rest = rest[2..];
            }
            else if (rest.StartsWith(' ') || rest.StartsWith('\t'))
            {
                rest = rest[1..];
            }
            else
            {
                return false;
            }

            name = rest.ToString();
        }

        if (bitLength is { } wanted && digest.BitLength != wanted)
        {
            return false;
        }

        name = escaped ? Unescape(name) : name;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        fileName = name;
        return true;
    }

    /// <summary>Splits <c>SHA3-224 (name) = hex</c> (the space before the parenthesis and around <c>=</c> optional, as coreutils reads it).</summary>
    private static bool TrySplitTagged(ReadOnlySpan<char> text, out int bitLength, out ReadOnlySpan<char> name, out ReadOnlySpan<char> hex)
    {
        bitLength = 0;
        name = hex = default;
        var rest = text[AlgorithmPrefix.Length..];
        var digits = rest.IndexOfAnyExcept(DecimalDigits);
        if (digits <= 0 || !int.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out bitLength))
        {
            return false;
        }

        rest = rest[digits..];
        if (rest.StartsWith(' '))
        {
            rest = rest[1..];
        }

        var close = rest.LastIndexOf(')');
        if (!rest.StartsWith('(') || close < 1)
        {
            return false;
        }

        name = rest[1..close];
        var tail = rest[(close + 1)..];
        if (tail.StartsWith(' '))
        {
            tail = tail[1..];
        }

        if (!tail.StartsWith('='))
        {
            return false;
        }

        tail = tail[1..];
        hex = tail.StartsWith(' ') ? tail[1..] : tail;
        return true;
    }

    private static bool TryDigest(ReadOnlySpan<char> hex, int bitLength, out Sha3Digest digest)
    {
        digest = default;
        if (!Sha3Digest.IsSupportedBitLength(bitLength) || hex.Length != bitLength / 4)
        {
            return false;
        }

        var bytes = new byte[hex.Length / 2];
        if (Convert.FromHexString(hex, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        digest = Sha3Digest.FromBytes(bytes);
        return true;
    }

    private static string? Unescape(string name)
    {
        var result = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '\\')
            {
                result.Append(name[i]);
                continue;
            }

            if (++i == name.Length)
            {
                return null;
            }

            switch (name[i])
            {
                case '\\': result.Append('\\'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                default: return null;
            }
        }

        return result.ToString();
    }
}
