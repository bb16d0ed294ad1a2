using System.Globalization;

namespace Golem.VmImages.Fetching;

/// <summary>What a resumable partial download came from: its URL and the response's validators and total length.</summary>
internal sealed record PartialMetadata(Uri Url, string? ETag, DateTimeOffset? LastModified, long? TotalLength)
{
    public const string Suffix = ".meta";

    public static PartialMetadata? TryRead(string partialPath)
    {
        string[] lines;
        try
        {
            FileSafety.EnsureNotLink(partialPath + Suffix);
            lines = File.ReadAllLines(partialPath + Suffix);
        }
        catch (IOException)
        {
            return null;
        }

        if (lines.Length != 4 || !Uri.TryCreate(lines[0], UriKind.Absolute, out var url))
        {
            return null;
        }

        DateTimeOffset? lastModified = DateTimeOffset.TryParse(lines[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lm) ? lm : null;
        long? total = long.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        return new PartialMetadata(url, lines[1].Length == 0 ? null : lines[1], lastModified, total);
    }

    public void Write(string partialPath)
    {
        var path = partialPath + Suffix;
        FileSafety.EnsureNotLink(path);
        FileSafety.ReplaceAtomically(path, string.Concat(
            Url.AbsoluteUri, Environment.NewLine,
            ETag, Environment.NewLine,
            LastModified?.ToString("O", CultureInfo.InvariantCulture), Environment.NewLine,
            TotalLength?.ToString(CultureInfo.InvariantCulture), Environment.NewLine));
    }

    public static void Delete(string partialPath) => FileSafety.DeleteIfExists(partialPath + Suffix);
}
