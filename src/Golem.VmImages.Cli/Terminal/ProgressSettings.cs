using Spectre.Console;

namespace Golem.VmImages.Cli;

/// <summary>How a <see cref="ProgressDisplay"/> draws.</summary>
/// <param name="Mode">When it draws.</param>
/// <param name="Output">The writer results go to; results written through the display erase the line first.</param>
internal sealed record ProgressSettings(ProgressMode Mode = ProgressMode.Auto, TextWriter? Output = null)
{
    /// <summary>The default: draw on a terminal for long work.</summary>
    public static ProgressSettings Default { get; } = new();

    /// <summary>The console the line is drawn on; null makes one on the command's standard error (its width is the terminal's).</summary>
    public IAnsiConsole? Terminal { get; init; }

    /// <summary>The clock that paces the redraws and measures the rate and ETA.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often the line is redrawn; <see cref="Timeout.InfiniteTimeSpan"/> only when <see cref="ProgressDisplay.Redraw"/> is called.</summary>
    public TimeSpan RedrawInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
