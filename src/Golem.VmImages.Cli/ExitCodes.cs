namespace Golem.VmImages.Cli;

/// <summary>The process exit codes of <c>gvmi</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>At least one input could not be read or did not verify (like <c>sha3sum</c>).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong (an option combination the parser cannot check), as System.CommandLine's own parse errors; <c>gvmi fetch</c> still has its own copy of this table.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted by the user (128 + SIGINT).</summary>
    public const int Canceled = 130;
}
