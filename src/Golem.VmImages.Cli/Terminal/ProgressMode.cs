namespace Golem.VmImages.Cli;

/// <summary>When a long command draws its progress line (<c>--progress auto|always|never</c>).</summary>
internal enum ProgressMode
{
    /// <summary>Only when standard error is a terminal and the work is long.</summary>
    Auto,

    /// <summary>Always, also into a file or pipe and for short work.</summary>
    Always,

    /// <summary>Never (what <c>-q/--quiet</c> selects).</summary>
    Never,
}
