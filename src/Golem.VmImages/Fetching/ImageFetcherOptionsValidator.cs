using Microsoft.Extensions.Options;

namespace Golem.VmImages.Fetching;

/// <summary>
/// Validates <see cref="ImageFetcherOptions"/>: its data annotations (through the options source generator, without
/// reflection, so trimmed and native AOT applications validate the same), the <see cref="TimeSpan"/> ranges and the
/// rules that span several properties.
/// </summary>
public sealed class ImageFetcherOptionsValidator : IValidateOptions<ImageFetcherOptions>
{
    private static readonly ImageFetcherOptionsAnnotationsValidator Annotations = new();

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImageFetcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionsValidation.Combine(Annotations.Validate(name, options), Collect(options));
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

        CheckTime(failures, nameof(options.BackoffBase), options.BackoffBase, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckTime(failures, nameof(options.BackoffCap), options.BackoffCap, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckTime(failures, nameof(options.RetryAfterCap), options.RetryAfterCap, TimeSpan.Zero, TimeSpan.FromHours(1));
        CheckTime(failures, nameof(options.StallTimeout), options.StallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        CheckTime(failures, nameof(options.OverallTimeout), options.OverallTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7));
        return failures;
    }

    private static void CheckTime(List<string> failures, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add(ErrorMessages.OptionTimeOutOfRange(name, value, min, max));
        }
    }
}

/// <summary>The data annotations of <see cref="ImageFetcherOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class ImageFetcherOptionsAnnotationsValidator : IValidateOptions<ImageFetcherOptions>
{
}
