using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry;

/// <summary>
/// Validates <see cref="ImageRegistryOptions"/>: the base address and every value against its documented range. The
/// registry's constructors run the same checks, so a value is accepted or refused alike with and without dependency
/// injection; each bad value is reported once, with its name, its value and the valid range.
/// </summary>
public sealed class ImageRegistryOptionsValidator : IValidateOptions<ImageRegistryOptions>
{
    private const string Type = nameof(ImageRegistryOptions);

    /// <summary>The range of every bounded option, written once: checked here, and checked against the options' documentation by a test.</summary>
    internal static readonly OptionRange<ImageRegistryOptions>[] Ranges =
    [
        OptionRange.Of(nameof(ImageRegistryOptions.AttemptTimeout), (ImageRegistryOptions o) => o.AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
        OptionRange.Of(nameof(ImageRegistryOptions.MaxRetryAttempts), (ImageRegistryOptions o) => o.MaxRetryAttempts, 0, 10),
        OptionRange.Of(nameof(ImageRegistryOptions.RetryDelay), (ImageRegistryOptions o) => o.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
    ];

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImageRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Collect(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Collect(ImageRegistryOptions options)
    {
        var failures = new List<string>();
        if (options.BaseAddress is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add(ErrorMessages.RegistryBaseAddress(options.BaseAddress?.OriginalString));
        }

        OptionRange.CheckAll(failures, Type, options, Ranges);
        return failures;
    }
}
