using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi cache list|verify|prune</c>: inspect and maintain the content-addressed image cache. This is the parent
/// command; <see cref="CacheListCommand"/>, <see cref="CacheVerifyCommand"/> and <see cref="CachePruneCommand"/> are its
/// subcommands, each a definition with its action.
/// </summary>
internal sealed class CacheCommand : Command
{
    public CacheCommand()
        : base("cache", "List, verify or prune the content-addressed image cache.")
    {
        Subcommands.Add(new CacheListCommand());
        Subcommands.Add(new CacheVerifyCommand());
        Subcommands.Add(new CachePruneCommand());
    }

    public static Command Create() => new CacheCommand();

    /// <summary>The <c>--cache</c> option every subcommand has.</summary>
    public static Option<string?> CacheOption() => new("--cache") { Description = "The cache directory (default: the user's golem-vmimages cache)." };

    /// <summary>The <c>--json</c> option every subcommand has.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document instead of text." };

    /// <summary>The cache <paramref name="option"/> names, or the user's default cache.</summary>
    public static ImageCache Open(ParseResult parseResult, Option<string?> option) =>
        new(parseResult.GetValue(option) ?? ImageFetcherOptions.DefaultCacheDirectory);

    /// <summary>
    /// The images to evict, least recently used first: those unused for longer than <paramref name="maxAge"/> and as
    /// many more as it takes to get down to <paramref name="maxBytes"/>. <see cref="ImageCache.Prune(IEnumerable{CachedImage})"/>
    /// evicts exactly these (keeping any being fetched), so a dry run lists what goes.
    /// </summary>
    public static List<CachedImage> Plan(IReadOnlyList<CachedImage> images, long? maxBytes, TimeSpan? maxAge, DateTime nowUtc)
    {
        var total = images.Sum(i => i.Length);
        var plan = new List<CachedImage>();
        foreach (var image in images)
        {
            var tooOld = maxAge is { } age && nowUtc - image.LastUsedUtc > age;
            var tooBig = maxBytes is { } limit && total > limit;
            if (!tooOld && !tooBig)
            {
                break;
            }

            plan.Add(image);
            total -= image.Length;
        }

        return plan;
    }

    public static string PruneText(IReadOnlyList<CachedImage> evicted, IReadOnlyList<CachedImage> kept, bool dryRun, int partials, long left)
    {
        var lines = evicted.Select(i => Line(dryRun ? "WOULD EVICT" : "EVICTED", i))
            .Concat(kept.Select(i => Line("KEPT (in use or changed)", i)))
            .ToList();
        lines.Add(dryRun
            ? string.Create(CultureInfo.InvariantCulture, $"{evicted.Count} image(s) would be evicted ({ByteSize.Format(evicted.Sum(i => i.Length))}), {ByteSize.Format(left)} would be left; nothing was deleted (dry run)")
            : string.Create(CultureInfo.InvariantCulture, $"{evicted.Count} image(s) evicted ({ByteSize.Format(evicted.Sum(i => i.Length))}), {ByteSize.Format(left)} left, {partials} stale partial download(s) deleted"));
        return string.Join(Environment.NewLine, lines);

        static string Line(string verdict, CachedImage image) =>
            string.Create(CultureInfo.InvariantCulture, $"{verdict}  {image.Digest}  {ByteSize.Format(image.Length)}  last used {image.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}");
    }

    public static string PruneJson(IReadOnlyList<CachedImage> evicted, IReadOnlyList<CachedImage> kept, bool dryRun, int partials, long left) => CliJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("dryRun", dryRun);
        WriteImages(writer, "evicted", evicted);
        WriteImages(writer, "kept", kept);
        writer.WriteNumber("evictedBytes", evicted.Sum(i => i.Length));
        writer.WriteNumber("remainingBytes", left);
        writer.WriteNumber("stalePartialsDeleted", partials);
        writer.WriteEndObject();
    });

    public static void WriteImages(Utf8JsonWriter writer, string name, IReadOnlyList<CachedImage> images)
    {
        writer.WriteStartArray(name);
        foreach (var image in images)
        {
            writer.WriteStartObject();
            WriteImageFields(writer, image);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteImageFields(Utf8JsonWriter writer, CachedImage image)
    {
        writer.WriteString("digest", image.Digest.ToString());
        writer.WriteString("algorithm", image.Digest.AlgorithmName);
        writer.WriteNumber("size", image.Length);
        writer.WriteString("lastUsedUtc", image.LastUsedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        writer.WriteString("path", image.Path);
    }
}
