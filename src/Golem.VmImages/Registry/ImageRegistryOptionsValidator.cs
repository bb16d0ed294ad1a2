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

        OptionRange.Check(failures, Type, nameof(options.AttemptTimeout), options.AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        OptionRange.Check(failures, Type, nameof(options.MaxRetryAttempts), options.MaxRetryAttempts, 0, 10);
        OptionRange.Check(failures, Type, nameof(options.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        return failures;
    }
}
