namespace Golem.VmImages.Cli;

/// <summary>How a <see cref="ProgressDisplay"/> draws.</summary>
/// <param name="Mode">When it draws.</param>
/// <param name="Width">The width the line must fit in; null takes the terminal's (80 when there is none).</param>
/// <param name="Output">The writer results go to; results written through the display erase the line first.</param>
internal sealed record ProgressSettings(ProgressMode Mode = ProgressMode.Auto, int? Width = null, TextWriter? Output = null)
{
    /// <summary>The default: draw on a terminal for long work.</summary>
    public static ProgressSettings Default { get; } = new();
}
