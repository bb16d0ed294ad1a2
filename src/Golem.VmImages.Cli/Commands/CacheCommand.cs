using System.CommandLine;
using System.Globalization;
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

    private static ImageCache Open(ParseResult parseResult, Option<string?> option) =>
        new(parseResult.GetValue(option) ?? ImageFetcherOptions.DefaultCacheDirectory);

    private static Command List()
    {
        var cache = CacheOption();
        var command = new Command("list", "List cached images, least recently used first: digest, size in bytes, last use (UTC), path.");
        command.Options.Add(cache);
        command.SetAction(parseResult =>
        {
            var images = Open(parseResult, cache).List();
            foreach (var image in images)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{image.Digest}  {image.Length,14}  {image.LastUsedUtc:yyyy-MM-ddTHH:mm:ssZ}  {image.Path}"));
            }

            parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{images.Count} image(s), {images.Sum(i => i.Length)} bytes"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify()
    {
        var cache = CacheOption();
        var command = new Command("verify", "Re-hash every cached image; evict those that no longer match (exit code 3 if any did).");
        command.Options.Add(cache);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var results = await Open(parseResult, cache).VerifyAllAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (image, verified) in results)
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync((verified ? "OK       " : "EVICTED  ") + image.Digest + "  " + image.Path).ConfigureAwait(false);
            }

            return results.All(r => r.Verified) ? ExitCodes.Success : ExitCodes.Mismatch;
        });
        return command;
    }

    private static Command Prune()
    {
        var cache = CacheOption();
        var maxSize = new Option<long>("--max-size") { Description = "Evict least recently used images until the cache holds at most this many bytes.", DefaultValueFactory = _ => 0 };
        var staleHours = new Option<double>("--stale-partials-hours") { Description = "Also delete partial downloads untouched for this many hours (each only while holding its lock).", DefaultValueFactory = _ => 24 };
        var command = new Command("prune", "Evict least recently used images beyond --max-size (never one being fetched) and delete stale partial downloads.");
        command.Options.Add(cache);
        command.Options.Add(maxSize);
        command.Options.Add(staleHours);
        command.SetAction(parseResult =>
        {
            var imageCache = Open(parseResult, cache);
            var evicted = imageCache.Prune(Math.Max(0, parseResult.GetValue(maxSize)));
            foreach (var image in evicted)
            {
                parseResult.InvocationConfiguration.Output.WriteLine("EVICTED  " + image.Digest + "  " + image.Length.ToString(CultureInfo.InvariantCulture));
            }

            var partials = imageCache.CleanStalePartials(TimeSpan.FromHours(Math.Max(0, parseResult.GetValue(staleHours))));
            parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{evicted.Count} image(s) evicted, {partials} stale partial download(s) deleted"));
            return ExitCodes.Success;
        });
        return command;
    }
}
