using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry;

/// <summary>Validates <see cref="ImageRegistryOptions"/> at start-up (base address, timeout, retry bounds).</summary>
public sealed class ImageRegistryOptionsValidator : IValidateOptions<ImageRegistryOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImageRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
