using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// What a GET's <c>Range</c> and <c>If-Range</c> headers ask of an image, after the rules a server may apply: a Range
/// that is malformed, in another unit, with too many ranges, or under an If-Range that is not a matching strong
/// validator is ignored (the whole image, 200); overlapping and adjacent ranges are merged, so the answer is never
/// larger than the image plus its part headers.
/// </summary>
internal static class RangeRequest
{
    /// <summary>More ranges than this in one request are ignored (answered with the whole image).</summary>
    public const int MaxRanges = 32;

    /// <summary>
    /// The ranges to send, sorted and merged; null for the whole image (200); empty when none is satisfiable (416).
    /// </summary>
    public static IReadOnlyList<ByteRange>? Evaluate(StringValues range, StringValues ifRange, long length, string entityTag, DateTimeOffset lastModified)
    {
        if (range.Count != 1 || !IfRangeHolds(ifRange, entityTag, lastModified))
        {
            return null;
        }

        if (!RangeHeaderValue.TryParse(range[0], out var parsed)
            || !string.Equals(parsed.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase)
            || parsed.Ranges.Count is 0 or > MaxRanges)
        {
            return null;
        }

        var satisfiable = new List<ByteRange>(parsed.Ranges.Count);
        foreach (var item in parsed.Ranges)
        {
            if (item.From is { } from)
            {
                if (from < length)
                {
                    var end = Math.Min(item.To ?? length - 1, length - 1);
                    satisfiable.Add(new ByteRange(from, end - from + 1));
                }
            }
            else if (item.To is { } suffix && suffix > 0 && length > 0)
            {
                var start = Math.Max(0, length - suffix);
                satisfiable.Add(new ByteRange(start, length - start));
            }
        }

        return Merge(satisfiable);
    }

    private static List<ByteRange> Merge(List<ByteRange> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<ByteRange>(ranges.Count);
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End + 1)
            {
                var last = merged[^1];
                merged[^1] = new ByteRange(last.Start, Math.Max(last.End, range.End) - last.Start + 1);
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    /// <summary>Whether Range applies: no If-Range, or one that names exactly this version (strong ETag, or the exact Last-Modified).</summary>
    private static bool IfRangeHolds(StringValues ifRange, string entityTag, DateTimeOffset lastModified)
    {
        if (ifRange.Count == 0)
        {
            return true;
        }

        if (ifRange.Count != 1 || !RangeConditionHeaderValue.TryParse(ifRange[0], out var condition))
        {
            return false;
        }

        return condition.EntityTag is { } tag
            ? !tag.IsWeak && tag.Tag.Equals(entityTag, StringComparison.Ordinal)
            : condition.LastModified == lastModified;
    }
}
