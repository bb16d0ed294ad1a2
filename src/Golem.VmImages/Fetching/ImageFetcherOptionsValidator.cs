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

        OptionRange.Check(failures, Type, nameof(options.MaxCacheSize), options.MaxCacheSize, 0, long.MaxValue);
        OptionRange.Check(failures, Type, nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);
        OptionRange.Check(failures, Type, nameof(options.BackoffBase), options.BackoffBase, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.BackoffCap), options.BackoffCap, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.RetryAfterCap), options.RetryAfterCap, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.StallTimeout), options.StallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.MinimumBytesPerSecond), options.MinimumBytesPerSecond, 0, long.MaxValue);
        OptionRange.Check(failures, Type, nameof(options.OverallTimeout), options.OverallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7));
        OptionRange.Check(failures, Type, nameof(options.MaxImageSize), options.MaxImageSize, 0, long.MaxValue);
        OptionRange.Check(failures, Type, nameof(options.MinimumFreeDiskSpace), options.MinimumFreeDiskSpace, 0, long.MaxValue);
        OptionRange.Check(failures, Type, nameof(options.MaxRedirects), options.MaxRedirects, 0, 50);
        OptionRange.Check(failures, Type, nameof(options.BufferSize), options.BufferSize, 4096, 64 << 20);
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
