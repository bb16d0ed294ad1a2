using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi cache list|verify|prune</c>: inspect and maintain the content-addressed image cache.</summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "List, verify or prune the content-addressed image cache.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Prune());
        return command;
    }

    private static Option<string?> CacheOption() => new("--cache") { Description = "The cache directory (default: the user's golem-vmimages cache)." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document instead of text." };

    private static ImageCache Open(ParseResult parseResult, Option<string?> option) =>
        new(parseResult.GetValue(option) ?? ImageFetcherOptions.DefaultCacheDirectory);

    private static Command List()
    {
        var cache = CacheOption();
        var json = JsonOption();
        var command = new Command("list", "List cached images, least recently used first: digest, size, last use (UTC), path.") { cache, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var images = Open(parseResult, cache).List();
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartObject();
                    WriteImages(writer, "images", images);
                    writer.WriteNumber("totalBytes", images.Sum(i => i.Length));
                    writer.WriteEndObject();
                })).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            foreach (var image in images)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{image.Digest}  {ByteSize.Format(image.Length),10}  {image.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}  {TerminalText.Escape(image.Path)}")).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{images.Count} image(s), {ByteSize.Format(images.Sum(i => i.Length))}")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify()
    {
        var cache = CacheOption();
        var json = JsonOption();
        var command = new Command("verify", "Re-hash every cached image; evict those that no longer match (exit code 3 if any did).") { cache, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var results = await Open(parseResult, cache).VerifyAllAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(CliJson.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var (image, verified) in results)
                    {
                        writer.WriteStartObject();
                        WriteImageFields(writer, image);
                        writer.WriteBoolean("verified", verified);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var (image, verified) in results)
                {
                    await output.WriteLineAsync((verified ? "OK       " : "EVICTED  ") + image.Digest + "  " + TerminalText.Escape(image.Path)).ConfigureAwait(false);
                }
            }

            return results.All(r => r.Verified) ? ExitCodes.Success : ExitCodes.Mismatch;
        });
        return command;
    }

    private static Command Prune()
    {
        var cache = CacheOption();
        var maxSize = NumberOptions.Size("--max-size", "Evict least recently used images until the cache holds at most this much (10G, 512MiB, 1.5GB or bytes).");
        var maxAge = NumberOptions.Age("--max-age", "Evict images not used for longer than this (90m, 36h, 30d, 2w).");
        var all = new Option<bool>("--all") { Description = "Evict every image that is not being fetched." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only list what would be evicted; delete nothing." };
        var staleHours = new Option<double>("--stale-partials-hours")
        {
            Description = "Also delete partial downloads untouched for this many hours (each only while holding its lock).",
            DefaultValueFactory = _ => 24,
        }.AtLeast(0.0);
        var json = JsonOption();
        var command = new Command(
            "prune",
            "Evict least recently used images (never one being fetched) by --max-size, --max-age or --all, and delete stale partial downloads. With no criterion it evicts nothing and says which to give.")
        {
            cache, maxSize, maxAge, all, dryRun, staleHours, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var limit = parseResult.GetValue(maxSize);
            var age = parseResult.GetValue(maxAge);
            var everything = parseResult.GetValue(all);
            if (limit is null && age is null && !everything)
            {
                return await CliInvocation.UsageErrorAsync(parseResult, "say what to evict: --max-size SIZE (least recently used beyond it), --max-age AGE (unused for longer) or --all; add --dry-run to see the list first.").ConfigureAwait(false);
            }

            if (everything && (limit is not null || age is not null))
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.ExclusiveOptions("--all", limit is not null ? "--max-size" : "--max-age")).ConfigureAwait(false);
            }

            var imageCache = Open(parseResult, cache);
            var images = imageCache.List();
            var plan = Plan(images, everything ? 0 : limit, age, TimeProvider.System.GetUtcNow().UtcDateTime);
            var dry = parseResult.GetValue(dryRun);
            var evicted = dry ? plan : imageCache.Prune(plan);
            var kept = plan.Except(evicted).ToList();
            var partials = dry ? 0 : imageCache.CleanStalePartials(TimeSpan.FromHours(parseResult.GetValue(staleHours)));
            var left = images.Sum(i => i.Length) - evicted.Sum(i => i.Length);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(parseResult.GetValue(json)
                ? PruneJson(evicted, kept, dry, partials, left)
                : PruneText(evicted, kept, dry, partials, left)).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The images to evict, least recently used first: those unused for longer than <paramref name="maxAge"/> and as
    /// many more as it takes to get down to <paramref name="maxBytes"/>. <see cref="ImageCache.Prune(IEnumerable{CachedImage})"/>
    /// evicts exactly these (keeping any being fetched), so a dry run lists what goes.
    /// </summary>
    private static List<CachedImage> Plan(IReadOnlyList<CachedImage> images, long? maxBytes, TimeSpan? maxAge, DateTime nowUtc)
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

    private static string PruneText(IReadOnlyList<CachedImage> evicted, IReadOnlyList<CachedImage> kept, bool dryRun, int partials, long left)
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

    private static string PruneJson(IReadOnlyList<CachedImage> evicted, IReadOnlyList<CachedImage> kept, bool dryRun, int partials, long left) => CliJson.Write(writer =>
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

    private static void WriteImages(Utf8JsonWriter writer, string name, IReadOnlyList<CachedImage> images)
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

    private static void WriteImageFields(Utf8JsonWriter writer, CachedImage image)
    {
        writer.WriteString("digest", image.Digest.ToString());
        writer.WriteString("algorithm", image.Digest.AlgorithmName);
        writer.WriteNumber("size", image.Length);
        writer.WriteString("lastUsedUtc", image.LastUsedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        writer.WriteString("path", image.Path);
    }
}
