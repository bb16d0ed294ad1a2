using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;
using Golem.VmImages.Http;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi fetch (TASK_PACKAGE | --hash H URL...) [--cache DIR | -o FILE] [--verify] [--json]</c>: a verified, resumable download; <see cref="FetchAction"/> runs it.</summary>
internal sealed class FetchCommand : Command
{
    public FetchCommand()
        : base("fetch", "Download an image, verify it against its digest in one pass, and store it under its content address (resumes and retries).")
    {
        Arguments.Add(Sources);
        foreach (var option in (Option[])[Hash, Cache, Output, Json, Attempts, MaxSize, MinFree, Verify])
        {
            Options.Add(option);
        }

        Progress.AddTo(this);
        Action = new FetchAction(this);
    }

    public Argument<string[]> Sources { get; } = new("source")
    {
        Description = "A task-package string `hash:sha3:<hex>:<url>`, or with --hash one or more mirror URLs (http, https or file) tried in order.",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string?> Hash { get; } = new("--hash") { Description = "The expected SHA3 digest in hex (56 characters for SHA3-224)." };

    public Option<string?> Cache { get; } = new("--cache") { Description = "The cache directory (default: the user's golem-vmimages cache)." };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write the verified image to FILE instead of the cache." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON." };

    public Option<int> Attempts { get; } = new Option<int>("--attempts") { Description = "Attempts per URL.", DefaultValueFactory = _ => ImageFetcherOptions.DefaultMaxAttempts }.Positive();

    public Option<long?> MaxSize { get; } = NumberOptions.Size("--max-size", "The largest image accepted (10G, 512MiB, 1.5GB or bytes; default 64 GiB); a longer body fails with exit code 6.");

    public Option<long?> MinFree { get; } = NumberOptions.Size("--min-free", "The free space the download keeps on the cache's (or --output's) volume, checked before and every 4 MiB while writing (default 512MiB; 0 checks only that the image fits); falling below it stops the fetch with exit code 5.");

    public Option<bool> Verify { get; } = new("--verify") { Description = "Re-hash a cached image before returning it (a hit is otherwise checked by size only); a file that no longer matches is evicted and fetched again." };

    public ProgressOptions Progress { get; } = new("Print no progress line and no notes about retries and resumes (errors are still printed).");

    public static Command Create() => new FetchCommand();

    /// <summary>The digest and URLs the command line names, or a <see cref="UsageException"/>.</summary>
    public (Sha3Digest Digest, Uri[] Urls) ReadSources(ParseResult parseResult)
    {
        var hashText = parseResult.GetValue(Hash);
        return TryResolve(parseResult.GetValue(Sources) ?? [], hashText, out var digest, out var urls, out var problem) ? (digest, urls) : throw new UsageException(problem);
    }

    /// <summary>The fetcher options the command line asks for; the destination is checked first (exit code 2).</summary>
    public ImageFetcherOptions ReadOptions(ParseResult parseResult)
    {
        var outputPath = parseResult.GetValue(Output);
        var cacheDirectory = parseResult.GetValue(Cache);
        if (outputPath is not null && cacheDirectory is not null)
        {
            throw new UsageException(ErrorText.ExclusiveOptions("--cache", "--output"));
        }

        if (outputPath is not null)
        {
            OutputFile.RefuseExisting("--output", outputPath, force: null);
        }

        // A file URL is fetched only when typed on the command line with --hash, never from a task package.
        var options = new ImageFetcherOptions { MaxAttempts = parseResult.GetValue(Attempts), RehashOnCacheHit = parseResult.GetValue(Verify), AllowFileUrls = parseResult.GetValue(Hash) is not null };
        if (parseResult.GetValue(MaxSize) is { } limit)
        {
            options.MaxImageSize = limit;
        }

        if (parseResult.GetValue(MinFree) is { } reserve)
        {
            options.MinimumFreeDiskSpace = reserve;
        }

        if (cacheDirectory is not null)
        {
            options.CacheDirectory = cacheDirectory;
        }

        return options;
    }

    private static bool TryResolve(string[] values, string? hashText, out Sha3Digest digest, out Uri[] urls, out string problem)
    {
        digest = default;
        urls = [];
        problem = string.Empty;
        if (hashText is null)
        {
            if (values.Length != 1 || !TaskPackage.TryParse(values[0], out var package))
            {
                problem = values.Length == 1
                    ? "the argument is not a task-package string `hash:sha3:<hex>:<url>`; give one, or --hash HEX with URLs."
                    : "expected one task-package string, or --hash HEX followed by one or more URLs.";
                return false;
            }

            digest = package.Digest;
            urls = [package.Url];
            return true;
        }

        var hex = hashText.AsSpan().Trim();
        if (hex.StartsWith("sha3:", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[5..];
        }

        try
        {
            digest = Sha3Digest.Parse(hex);
        }
        catch (FormatException ex)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"--hash '{hashText}': {ex.Message}");
            return false;
        }

        var list = new List<Uri>();
        for (var i = 0; i < values.Length; i++)
        {
            // The URL is shown redacted: it may carry a password or a signed query.
            if (!Uri.TryCreate(values[i], UriKind.Absolute, out var url))
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"URL argument {i + 1} is not an absolute http, https or file URL.");
                return false;
            }

            if (url.Scheme is not ("http" or "https" or "file"))
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"'{UrlRedaction.Redact(url)}' is not an absolute http, https or file URL.");
                return false;
            }

            list.Add(url);
        }

        urls = [.. list];
        return true;
    }

    public static string ToJson(FetchedImage image) => CliJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("path", image.Path);
        writer.WriteString("digest", image.Digest.ToString());
        writer.WriteString("algorithm", image.Digest.AlgorithmName);
        writer.WriteNumber("length", image.Length);
        writer.WriteBoolean("fromCache", image.FromCache);
        writer.WriteNumber("bytesTransferred", image.BytesTransferred);
        writer.WriteNumber("elapsedSeconds", image.Elapsed.TotalSeconds);
        writer.WriteNumber("attempts", image.Attempts);
        writer.WriteString("url", image.SourceUrl is { } source ? UrlRedaction.Redact(source) : null);
        writer.WriteEndObject();
    });
}
