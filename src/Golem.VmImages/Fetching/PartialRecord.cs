using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Golem.VmImages.Fetching;

/// <summary>
/// What a resumable partial download needs to continue the same resource: a keyed hash of its full URL (which
/// recognises the URL without storing it, so a password or a presigned signature in it never reaches the disk),
/// the response's validators and its total length. Stored next to the partial file as <c>.meta</c>.
/// </summary>
internal sealed record PartialRecord(string SourceKey, string? ETag, DateTimeOffset? LastModified, long? TotalLength)
{
    public const string Suffix = ".meta";
    private const string Header = "golem-vmimages partial v2";

    /// <summary>Gets the key that stands for <paramref name="url"/>: HMAC-SHA256 of the whole URL, keyed by the digest being fetched.</summary>
    public static string KeyOf(Uri url, Sha3Digest digest) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(digest.Bytes, Encoding.UTF8.GetBytes(url.AbsoluteUri)));

    /// <summary>Reads the record of a partial file; anything missing, unreadable or malformed gives <see langword="null"/> (start again from byte 0).</summary>
    public static PartialRecord? TryRead(string partialPath)
    {
        string[] lines;
        try
        {
            FileSafety.EnsureNotLink(partialPath + Suffix);
            lines = File.ReadAllLines(partialPath + Suffix);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }

        if (lines.Length != 5 || lines[0] != Header || lines[1].Length != 64 || !lines[1].All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        DateTimeOffset? lastModified = null;
        if (lines[3].Length > 0)
        {
            if (!DateTimeOffset.TryParse(lines[3], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return null;
            }

            lastModified = parsed;
        }

        long? total = null;
        if (lines[4].Length > 0)
        {
            if (!long.TryParse(lines[4], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return null;
            }

            total = parsed;
        }

        return new PartialRecord(lines[1], lines[2].Length == 0 ? null : lines[2], lastModified, total);
    }

    public void Write(string partialPath)
    {
        var path = partialPath + Suffix;
        FileSafety.EnsureNotLink(path);
        FileSafety.ReplaceAtomically(path, string.Concat(
            Header, "\n",
            SourceKey, "\n",
            ETag, "\n",
            LastModified?.ToString("O", CultureInfo.InvariantCulture), "\n",
            TotalLength?.ToString(CultureInfo.InvariantCulture), "\n"));
    }

    public static void Delete(string partialPath) => FileSafety.DeleteIfExists(partialPath + Suffix);
}
