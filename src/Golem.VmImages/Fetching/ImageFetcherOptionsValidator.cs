using Microsoft.Extensions.Options;

namespace Golem.VmImages.Fetching;

/// <summary>
/// Validates <see cref="ImageFetcherOptions"/>: every value against its documented range and the rules that span
/// several properties. The <see cref="ImageFetcher"/> constructor runs the same checks, so a value is accepted or
/// refused alike with and without dependency injection; each bad value is reported once, with its name, its value
/// and the valid range.
/// </summary>
public sealed class ImageFetcherOptionsValidator : IValidateOptions<ImageFetcherOptions>
{
    private const string Type = nameof(ImageFetcherOptions);

    /// <summary>The range of every bounded option, written once: checked here, and checked against the options' documentation by a test.</summary>
    internal static readonly OptionRange<ImageFetcherOptions>[] Ranges =
    [
        OptionRange.Of(nameof(ImageFetcherOptions.MaxCacheSize), (ImageFetcherOptions o) => o.MaxCacheSize, 0, long.MaxValue),
        OptionRange.Of(nameof(ImageFetcherOptions.MaxAttempts), (ImageFetcherOptions o) => o.MaxAttempts, 1, 100),
        OptionRange.Of(nameof(ImageFetcherOptions.BackoffBase), (ImageFetcherOptions o) => o.BackoffBase, TimeSpan.Zero, TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImageFetcherOptions.BackoffCap), (ImageFetcherOptions o) => o.BackoffCap, TimeSpan.Zero, TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImageFetcherOptions.RetryAfterCap), (ImageFetcherOptions o) => o.RetryAfterCap, TimeSpan.Zero, TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImageFetcherOptions.StallTimeout), (ImageFetcherOptions o) => o.StallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImageFetcherOptions.MinimumBytesPerSecond), (ImageFetcherOptions o) => o.MinimumBytesPerSecond, 0, long.MaxValue),
        OptionRange.Of(nameof(ImageFetcherOptions.OverallTimeout), (ImageFetcherOptions o) => o.OverallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7)),
        OptionRange.Of(nameof(ImageFetcherOptions.MaxImageSize), (ImageFetcherOptions o) => o.MaxImageSize, 0, long.MaxValue),
        OptionRange.Of(nameof(ImageFetcherOptions.MinimumFreeDiskSpace), (ImageFetcherOptions o) => o.MinimumFreeDiskSpace, 0, long.MaxValue),
        OptionRange.Of(nameof(ImageFetcherOptions.MaxRedirects), (ImageFetcherOptions o) => o.MaxRedirects, 0, 50),
        OptionRange.Of(nameof(ImageFetcherOptions.BufferSize), (ImageFetcherOptions o) => o.BufferSize, 4096, 64 << 20),
    ];

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImageFetcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Collect(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Collect(ImageFetcherOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CacheDirectory))
        {
            failures.Add(ErrorMessages.OptionEmpty(Type, nameof(options.CacheDirectory)));
        }

        OptionRange.CheckAll(failures, Type, options, Ranges);
        if (options.BackoffCap < options.BackoffBase)
        {
            failures.Add(ErrorMessages.OptionBackoffCapBelowBase(options.BackoffCap, options.BackoffBase));
        }

        if (options.StallTimeout > options.OverallTimeout)
        {
            failures.Add(ErrorMessages.OptionStallAboveOverall(options.StallTimeout, options.OverallTimeout));
        }

        return failures;
    }
}
