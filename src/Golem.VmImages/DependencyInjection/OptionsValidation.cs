using Microsoft.Extensions.Options;

namespace Golem.VmImages;

/// <summary>Joins the generated data-annotation checks of an options type with its hand-written rules into one result.</summary>
internal static class OptionsValidation
{
    public static ValidateOptionsResult Combine(ValidateOptionsResult annotations, List<string> failures)
    {
        if (annotations.Failed)
        {
            failures.InsertRange(0, annotations.Failures ?? [annotations.FailureMessage]);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
