using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// Validates <see cref="ImagePusherOptions"/> against each value's documented range. <see cref="ImagePusher"/> runs the
/// same checks when it is created, so a value is accepted or refused alike with and without dependency injection; each
/// bad value is reported once, with its name, its value and the valid range.
/// </summary>
public sealed class ImagePusherOptionsValidator : IValidateOptions<ImagePusherOptions>
{
    private const string Type = nameof(ImagePusherOptions);

    /// <summary>The range of every bounded option, written once: checked here, and checked against the options' documentation by a test.</summary>
    internal static readonly OptionRange<ImagePusherOptions>[] Ranges =
    [
        OptionRange.Of(nameof(ImagePusherOptions.MaxParallelUploads), (ImagePusherOptions o) => o.MaxParallelUploads, 1, 64),
        OptionRange.Of(nameof(ImagePusherOptions.MaxRetryAttempts), (ImagePusherOptions o) => o.MaxRetryAttempts, 0, 20),
        OptionRange.Of(nameof(ImagePusherOptions.MaxChunks), (ImagePusherOptions o) => o.MaxChunks, 1, 1_000_000),
        OptionRange.Of(nameof(ImagePusherOptions.RetryDelay), (ImagePusherOptions o) => o.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
        OptionRange.Of(nameof(ImagePusherOptions.ChunkAttemptTimeout), (ImagePusherOptions o) => o.ChunkAttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImagePusherOptions.CompletionTimeout), (ImagePusherOptions o) => o.CompletionTimeout, TimeSpan.Zero, TimeSpan.FromHours(1)),
        OptionRange.Of(nameof(ImagePusherOptions.CompletionPollInterval), (ImagePusherOptions o) => o.CompletionPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5)),
    ];

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
        OptionRange.CheckAll(failures, Type, options, Ranges);
        if (options.DescriptorCacheDirectory is { } directory && string.IsNullOrWhiteSpace(directory))
        {
            failures.Add(ErrorMessages.OptionEmpty(Type, nameof(options.DescriptorCacheDirectory)));
        }

        return failures;
    }
}
