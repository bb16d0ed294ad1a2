using Microsoft.Extensions.Options;

namespace Golem.VmImages.Fetching;

/// <summary>Validates the rules of <see cref="ImageFetcherOptions"/> that span several properties or that data annotations cannot express.</summary>
public sealed class ImageFetcherOptionsValidator : IValidateOptions<ImageFetcherOptions>
{
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
            failures.Add(ErrorMessages.OptionCacheDirectoryEmpty);
        }

        if (options.BackoffCap < options.BackoffBase)
        {
            failures.Add(ErrorMessages.OptionBackoffCapBelowBase(options.BackoffCap, options.BackoffBase));
        }

        if (options.StallTimeout > options.OverallTimeout)
        {
            failures.Add(ErrorMessages.OptionStallAboveOverall(options.StallTimeout, options.OverallTimeout));
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add(ErrorMessages.OptionOutOfRange(nameof(options.MaxAttempts), options.MaxAttempts, "at least 1"));
        }

        if (options.BufferSize < 4096)
        {
            failures.Add(ErrorMessages.OptionOutOfRange(nameof(options.BufferSize), options.BufferSize, "at least 4096"));
        }

        if (options.MaxImageSize < 0 || options.MaxCacheSize < 0 || options.MinimumFreeDiskSpace < 0 || options.MinimumBytesPerSecond < 0)
        {
            failures.Add(ErrorMessages.OptionNegativeSize);
        }

        if (options.StallTimeout <= TimeSpan.Zero || options.OverallTimeout <= TimeSpan.Zero || options.BackoffBase < TimeSpan.Zero || options.RetryAfterCap < TimeSpan.Zero)
        {
            failures.Add(ErrorMessages.OptionNonPositiveTime);
        }

        return failures;
    }
}
