namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// A child tool that failed may have been killed by the same Ctrl-C as gvmi (the terminal signals the whole process
/// group): waits briefly for gvmi's own interrupt so the failure is reported as "interrupted", not as the tool's exit code.
/// </summary>
internal static class ChildInterrupt
{
    /// <summary>How long a child's failure waits for gvmi's own SIGINT to arrive.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(300);

    /// <summary>Returns once <paramref name="cancellationToken"/> is canceled or <see cref="Window"/> has passed on <paramref name="timeProvider"/>.</summary>
    public static async Task WaitAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Window, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
