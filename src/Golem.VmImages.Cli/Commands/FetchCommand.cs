using System.CommandLine;
using System.Globalization;
using System.Net;
using Golem.VmImages.Cli.Fetching;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi fetch (TASK_PACKAGE | --hash H URL...) [--cache DIR | -o FILE] [--verify] [--json]</c>: a verified, resumable download.</summary>
internal static class FetchCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("source")
        {
            Description = "A task-package string `hash:sha3:<hex>:<url>`, or with --hash one or more mirror URLs (http, https or file) tried in order.",
            Arity = ArgumentArity.OneOrMore,
        };
        var hash = new Option<string?>("--hash") { Description = "The expected SHA3 digest in hex (56 characters for SHA3-224)." };
        var cache = new Option<string?>("--cache") { Description = "The cache directory (default: the user's golem-vmimages cache)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the verified image to FILE instead of the cache." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var attempts = new Option<int>("--attempts") { Description = "Attempts per URL.", DefaultValueFactory = _ => ImageFetcherOptions.DefaultMaxAttempts }.Positive();
        var maxSize = NumberOptions.Size("--max-size", "The largest image accepted (10G, 512MiB, 1.5GB or bytes; default 64 GiB); a longer body fails with exit code 6.");
        var minFree = NumberOptions.Size("--min-free", "The free space the download keeps on the cache's (or --output's) volume, checked before and every 4 MiB while writing (default 512MiB; 0 checks only that the image fits); falling below it stops the fetch with exit code 5.");
        var verify = new Option<bool>("--verify") { Description = "Re-hash a cached image before returning it (a hit is otherwise checked by size only); a file that no longer matches is evicted and fetched again." };
        var progress = new ProgressOptions("Print no progress line and no notes about retries and resumes (errors are still printed).");
        var command = new Command("fetch", "Download an image, verify it against its digest in one pass, and store it under its content address (resumes and retries).");
        command.Arguments.Add(sources);
        command.Options.Add(hash);
        command.Options.Add(cache);
        command.Options.Add(output);
        command.Options.Add(json);
        command.Options.Add(attempts);
        command.Options.Add(maxSize);
        command.Options.Add(minFree);
        command.Options.Add(verify);
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var values = parseResult.GetValue(sources) ?? [];
            var hashText = parseResult.GetValue(hash);
            var outputPath = parseResult.GetValue(output);
            var cacheDirectory = parseResult.GetValue(cache);
            if (outputPath is not null && cacheDirectory is not null)
            {
                await stderr.WriteLineAsync("gvmi fetch: " + ErrorText.ExclusiveOptions("--cache", "--output")).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (outputPath is not null && Directory.Exists(outputPath))
            {
                await stderr.WriteLineAsync("gvmi fetch: " + ErrorText.OutputIsDirectory("--output", outputPath)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (outputPath is not null && Path.Exists(outputPath))
            {
                await stderr.WriteLineAsync("gvmi fetch: " + ErrorText.OutputExists("--output", outputPath)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!TryResolve(values, hashText, out var digest, out var urls, out var problem))
            {
                await stderr.WriteLineAsync("gvmi fetch: " + problem).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            // A file URL is fetched only when typed on the command line with --hash, never from a task package.
            var options = new ImageFetcherOptions { MaxAttempts = parseResult.GetValue(attempts), RehashOnCacheHit = parseResult.GetValue(verify), AllowFileUrls = hashText is not null };
            if (parseResult.GetValue(maxSize) is { } limit)
            {
                options.MaxImageSize = limit;
            }

            if (parseResult.GetValue(minFree) is { } reserve)
            {
                options.MinimumFreeDiskSpace = reserve;
            }

            if (cacheDirectory is not null)
            {
                options.CacheDirectory = cacheDirectory;
            }

            var asJson = parseResult.GetValue(json);
            var settings = progress.Read(parseResult);
            var display = ProgressDisplay.Start(stderr, "resolving", -1, settings, cancellationToken);
            await using (display.ConfigureAwait(false))
            {
                ImageFetcher fetcher;
                try
                {
                    fetcher = new ImageFetcher(options, logger: settings.Mode == ProgressMode.Never ? null : new FetchNotes(display, stderr));
                }
                catch (ArgumentException ex)
                {
                    return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.Describe(ex)).ConfigureAwait(false);
                }

                using var owned = fetcher;
                try
                {
                    var image = await fetcher.FetchAsync(digest, urls, new ImageFetchRequest { DestinationPath = outputPath, Progress = new FetchProgress(display) }, cancellationToken).ConfigureAwait(false);
                    await display.WriteLineAsync(stdout, asJson ? ToJson(image) : image.Path).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                catch (OperationCanceledException)
                {
                    await display.WriteLineAsync(stderr, "gvmi fetch: cancelled; the partial download is kept for resuming.").ConfigureAwait(false);
                    return ExitCodes.Canceled;
                }
                catch (Exception ex) when (ex is ImageHashMismatchException or ImageDownloadException or IOException)
                {
                    await display.WriteLineAsync(stderr, "gvmi fetch: " + TerminalText.Escape(ex.Message)).ConfigureAwait(false);
                    return ExitCodeOf(ex);
                }
                catch (ArgumentException ex)
                {
                    await display.WriteLineAsync(stderr, "gvmi fetch: " + TerminalText.Escape(ex.Message)).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }
        });
        return command;
    }

    private static int ExitCodeOf(Exception ex) => ex switch
    {
        ImageHashMismatchException => ExitCodes.Mismatch,
        ImageTooLargeException => ExitCodes.TooLarge,
        ImageDownloadException { UrlFailures.Count: > 0 } all when all.UrlFailures.All(f => f is ImageHashMismatchException) => ExitCodes.Mismatch,
        ImageDownloadException { UrlFailures.Count: > 0 } all when all.UrlFailures.All(IsNotFound) => ExitCodes.NotFound,
        ImageDownloadException single when IsNotFound(single) => ExitCodes.NotFound,
        _ => ExitCodes.Network,
    };

    private static bool IsNotFound(Exception ex) =>
        ex is ImageDownloadException { StatusCode: HttpStatusCode.NotFound or HttpStatusCode.Gone } or ImageDownloadException { InnerException: FileNotFoundException or DirectoryNotFoundException };

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

    private static string ToJson(FetchedImage image) => CliJson.Write(writer =>
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
