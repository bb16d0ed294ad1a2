using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry;

/// <summary>
/// Validates <see cref="ImageRegistryOptions"/> at start-up: its data annotations (through the options source
/// generator, without reflection), the base address, the <see cref="TimeSpan"/> ranges and the retry bounds.
/// </summary>
public sealed class ImageRegistryOptionsValidator : IValidateOptions<ImageRegistryOptions>
{
    private static readonly ImageRegistryOptionsAnnotationsValidator Annotations = new();

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImageRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message);
        }

        return OptionsValidation.Combine(Annotations.Validate(name, options), failures);
    }
}

/// <summary>The data annotations of <see cref="ImageRegistryOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class ImageRegistryOptionsAnnotationsValidator : IValidateOptions<ImageRegistryOptions>
{
}
