using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Golem.VmImages.Fetching;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi cache list|verify|prune</c>: inspect and maintain the cache directory: the images <c>gvmi fetch</c>
/// verified and the OCI blobs <c>gvmi build NAME</c> pulled. This is the parent command; <see cref="CacheListCommand"/>,
/// <see cref="CacheVerifyCommand"/> and <see cref="CachePruneCommand"/> are its subcommands, each a definition with its
/// action. The library's <see cref="ImageCache"/> and <see cref="OciBlobCache"/> own the files; this class only reads
/// them together and writes what they hold.
/// </summary>
internal sealed class CacheCommand : Command
{
    /// <summary>Initializes the command; <paramref name="timeProvider"/> (the system clock by default) ages what prune evicts.</summary>
    public CacheCommand(TimeProvider? timeProvider = null)
        : base("cache", "List, verify or prune the cache: fetched images and the layers and manifests registry builds pulled.")
    {
        Subcommands.Add(new CacheListCommand());
        Subcommands.Add(new CacheVerifyCommand());
        Subcommands.Add(new CachePruneCommand(timeProvider ?? TimeProvider.System));
    }

    public static Command Create() => new CacheCommand();

    /// <summary>The <c>--cache</c> option every subcommand has.</summary>
    public static Option<string?> CacheOption() => new("--cache") { Description = "The cache directory (default: the user's golem-vmimages cache)." };

    /// <summary>The <c>--json</c> option every subcommand has.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document instead of text." };

    /// <summary>The images and the OCI blobs of the cache <paramref name="option"/> names, or of the user's default cache.</summary>
    public static (ImageCache Images, OciBlobCache Blobs) Open(ParseResult parseResult, Option<string?> option, TimeProvider? timeProvider = null)
    {
        var directory = parseResult.GetValue(option) ?? ImageFetcherOptions.DefaultCacheDirectory;
        return (new ImageCache(directory, timeProvider), new OciBlobCache(directory, timeProvider));
    }

    /// <summary>Every image and blob, least recently used first (an image before a blob last used at the same moment).</summary>
    public static List<CacheEntry> List(ImageCache images, OciBlobCache blobs) =>
        [.. images.List().Select(CacheEntry.Of).Concat(blobs.List().Select(CacheEntry.Of)).OrderBy(e => e.LastUsedUtc)];

    /// <summary>
    /// The entries to evict, least recently used first: those unused for longer than <paramref name="maxAge"/> and as
    /// many more as it takes to get down to <paramref name="maxBytes"/>. <see cref="Prune"/> evicts exactly these
    /// (keeping any being fetched, downloaded or read by a build), so a dry run lists what goes.
    /// </summary>
    public static List<CacheEntry> Plan(IReadOnlyList<CacheEntry> entries, long? maxBytes, TimeSpan? maxAge, DateTime nowUtc)
    {
        var total = entries.Sum(i => i.Length);
        var plan = new List<CacheEntry>();
        foreach (var entry in entries)
        {
            var tooOld = maxAge is { } age && nowUtc - entry.LastUsedUtc > age;
            var tooBig = maxBytes is { } limit && total > limit;
            if (!tooOld && !tooBig)
            {
                break;
            }

            plan.Add(entry);
            total -= entry.Length;
        }

        return plan;
    }

    /// <summary>Evicts the planned entries each cache allows to go, in the plan's order.</summary>
    public static List<CacheEntry> Prune(ImageCache images, OciBlobCache blobs, IReadOnlyList<CacheEntry> plan)
    {
        var evictedImages = images.Prune(plan.Where(e => e.Image is not null).Select(e => e.Image!)).ToHashSet();
        var evictedBlobs = blobs.Prune(plan.Where(e => e.Blob is not null).Select(e => e.Blob!)).ToHashSet();
        return [.. plan.Where(e => (e.Image is { } image && evictedImages.Contains(image)) || (e.Blob is { } blob && evictedBlobs.Contains(blob)))];
    }

    public static string PruneText(IReadOnlyList<CacheEntry> evicted, IReadOnlyList<CacheEntry> kept, bool dryRun, int partials, long left)
    {
        var lines = evicted.Select(i => Line(dryRun ? "WOULD EVICT" : "EVICTED", i))
            .Concat(kept.Select(i => Line("KEPT (in use or changed)", i)))
            .ToList();
        var counts = string.Create(CultureInfo.InvariantCulture, $"{evicted.Count(e => e.Kind == CacheEntry.ImageKind)} image(s) and {evicted.Count(e => e.Kind == CacheEntry.BlobKind)} OCI blob(s)");
        lines.Add(dryRun
            ? string.Create(CultureInfo.InvariantCulture, $"{counts} would be evicted ({ByteSize.Format(evicted.Sum(i => i.Length))}), {ByteSize.Format(left)} would be left; nothing was deleted (dry run)")
            : string.Create(CultureInfo.InvariantCulture, $"{counts} evicted ({ByteSize.Format(evicted.Sum(i => i.Length))}), {ByteSize.Format(left)} left, {partials} stale partial download(s) deleted"));
        return string.Join(Environment.NewLine, lines);

        static string Line(string verdict, CacheEntry entry) =>
            string.Create(CultureInfo.InvariantCulture, $"{verdict}  {entry.Digest}  {ByteSize.Format(entry.Length)}  last used {entry.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}");
    }

    public static string PruneJson(IReadOnlyList<CacheEntry> evicted, IReadOnlyList<CacheEntry> kept, bool dryRun, int partials, long left) => CliJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("dryRun", dryRun);
        WriteEntries(writer, "evicted", evicted);
        WriteEntries(writer, "kept", kept);
        writer.WriteNumber("evictedBytes", evicted.Sum(i => i.Length));
        writer.WriteNumber("remainingBytes", left);
        writer.WriteNumber("stalePartialsDeleted", partials);
        writer.WriteEndObject();
    });

    public static void WriteEntries(Utf8JsonWriter writer, string name, IEnumerable<CacheEntry> entries)
    {
        writer.WriteStartArray(name);
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            WriteEntryFields(writer, entry);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteEntryFields(Utf8JsonWriter writer, CacheEntry entry)
    {
        writer.WriteString("kind", entry.Kind);
        writer.WriteString("digest", entry.Digest);
        writer.WriteString("algorithm", entry.Algorithm);
        writer.WriteNumber("size", entry.Length);
        writer.WriteString("lastUsedUtc", entry.LastUsedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        writer.WriteString("path", entry.Path);
    }
}
