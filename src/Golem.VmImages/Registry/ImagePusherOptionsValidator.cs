using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry;

/// <summary>
/// Validates <see cref="ImagePusherOptions"/> against each value's documented range. <see cref="ImagePusher"/> runs the
/// same checks when it is created, so a value is accepted or refused alike with and without dependency injection; each
/// bad value is reported once, with its name, its value and the valid range.
/// </summary>
public sealed class ImagePusherOptionsValidator : IValidateOptions<ImagePusherOptions>
{
    private const string Type = nameof(ImagePusherOptions);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImagePusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Collect(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Collect(ImagePusherOptions options)
    {
        var failures = new List<string>();
        OptionRange.Check(failures, Type, nameof(options.MaxParallelUploads), options.MaxParallelUploads, 1, 64);
        OptionRange.Check(failures, Type, nameof(options.MaxRetryAttempts), options.MaxRetryAttempts, 0, 20);
        OptionRange.Check(failures, Type, nameof(options.MaxChunks), options.MaxChunks, 1, 1_000_000);
        OptionRange.Check(failures, Type, nameof(options.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        OptionRange.Check(failures, Type, nameof(options.ChunkAttemptTimeout), options.ChunkAttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.CompletionTimeout), options.CompletionTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionRange.Check(failures, Type, nameof(options.CompletionPollInterval), options.CompletionPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        if (options.DescriptorCacheDirectory is { } directory && string.IsNullOrWhiteSpace(directory))
        {
            failures.Add(ErrorMessages.OptionEmpty(Type, nameof(options.DescriptorCacheDirectory)));
        }

        return failures;
    }
}
