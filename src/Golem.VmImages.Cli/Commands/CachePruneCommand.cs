using System.CommandLine;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi cache prune (--max-size SIZE | --max-age AGE | --all) [--dry-run] [--stale-partials-hours H] [--cache DIR] [--json]</c>:
/// evicts least recently used images and pulled OCI blobs together, and deletes stale partial downloads of both.
/// </summary>
internal sealed class CachePruneCommand : Command
{
    private readonly TimeProvider _time;

    /// <summary>Initializes the command; <paramref name="timeProvider"/> is the clock ages are measured on.</summary>
    public CachePruneCommand(TimeProvider timeProvider)
        : base("prune", "Evict least recently used images and pulled OCI blobs (never one being fetched, downloaded or read by a build) by --max-size, --max-age or --all, and delete stale partial downloads. With no criterion it evicts nothing and says which to give.")
    {
        _time = timeProvider;
        foreach (var option in (Option[])[Cache, MaxSize, MaxAge, All, DryRun, StaleHours, Json])
        {
            Options.Add(option);
        }

        Action = new CachePruneAction(this);
    }

    public Option<string?> Cache { get; } = CacheCommand.CacheOption();

    public Option<long?> MaxSize { get; } = NumberOptions.Size("--max-size", "Evict least recently used entries until the cache holds at most this much (10G, 512MiB, 1.5GB or bytes).");

    public Option<TimeSpan?> MaxAge { get; } = NumberOptions.Age("--max-age", "Evict images and blobs not used for longer than this (90m, 36h, 30d, 2w).");

    public Option<bool> All { get; } = new("--all") { Description = "Evict every image and blob that is not being fetched, downloaded or read by a build." };

    public Option<bool> DryRun { get; } = new("--dry-run", "-n") { Description = "Only list what would be evicted; delete nothing." };

    public Option<double> StaleHours { get; } = new Option<double>("--stale-partials-hours")
    {
        Description = "Also delete partial downloads untouched for this many hours (each only while holding its lock).",
        DefaultValueFactory = _ => 24,
    }.AtLeast(0.0);

    public Option<bool> Json { get; } = CacheCommand.JsonOption();

    /// <summary>How much to evict: a size limit (0 with --all) and an age; a usage error when neither or both kinds are given.</summary>
    public (long? MaxBytes, TimeSpan? MaxAge) ReadCriteria(ParseResult parseResult)
    {
        var limit = parseResult.GetValue(MaxSize);
        var age = parseResult.GetValue(MaxAge);
        var everything = parseResult.GetValue(All);
        if (limit is null && age is null && !everything)
        {
            throw new UsageException("say what to evict: --max-size SIZE (least recently used beyond it), --max-age AGE (unused for longer) or --all; add --dry-run to see the list first.");
        }

        if (everything && (limit is not null || age is not null))
        {
            throw new UsageException(ErrorText.ExclusiveOptions("--all", limit is not null ? "--max-size" : "--max-age"));
        }

        return (everything ? 0 : limit, age);
    }

    /// <summary>Runs <c>gvmi cache prune</c>.</summary>
    private sealed class CachePruneAction(CachePruneCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var (maxBytes, maxAge) = command.ReadCriteria(parseResult);
            var (images, blobs) = CacheCommand.Open(parseResult, command.Cache, command._time);
            var entries = CacheCommand.List(images, blobs);
            var plan = CacheCommand.Plan(entries, maxBytes, maxAge, command._time.GetUtcNow().UtcDateTime);
            var dry = parseResult.GetValue(command.DryRun);
            var evicted = dry ? plan : CacheCommand.Prune(images, blobs, plan);
            var kept = plan.Except(evicted).ToList();
            var staleAge = TimeSpan.FromHours(parseResult.GetValue(command.StaleHours));
            var partials = dry ? 0 : images.CleanStalePartials(staleAge) + blobs.CleanStalePartials(staleAge);
            var left = entries.Sum(i => i.Length) - evicted.Sum(i => i.Length);
            await Output(parseResult).WriteLineAsync(parseResult.GetValue(command.Json)
                ? CacheCommand.PruneJson(evicted, kept, dry, partials, left)
                : CacheCommand.PruneText(evicted, kept, dry, partials, left)).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }
}
