using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry;

/// <summary>Validates <see cref="ImagePusherOptions"/> at start-up: its data annotations (through generated code) and the <see cref="TimeSpan"/> ranges.</summary>
public sealed class ImagePusherOptionsValidator : IValidateOptions<ImagePusherOptions>
{
    private static readonly ImagePusherOptionsAnnotationsValidator Annotations = new();

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ImagePusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var annotations = Annotations.Validate(name, options);
        if (annotations.Failed)
        {
            return annotations;
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }

        return ValidateOptionsResult.Success;
    }
}

/// <summary>The data annotations of <see cref="ImagePusherOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class ImagePusherOptionsAnnotationsValidator : IValidateOptions<ImagePusherOptions>
{
}
