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
        List<string> failures = [];
        if (!annotations.Failed)
        {
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                failures.Add(ex.Message);
            }
        }

        if (annotations.Failed)
        {
            failures.InsertRange(0, annotations.Failures ?? [annotations.FailureMessage]);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The data annotations of <see cref="ImagePusherOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class ImagePusherOptionsAnnotationsValidator : IValidateOptions<ImagePusherOptions>
{
}
