namespace Golem.VmImages.Cli;

/// <summary>The process exit codes of <c>gvmi</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>At least one input could not be read or did not verify (like <c>sha3sum</c>).</summary>
    public const int Failure = 1;

    /// <summary>Interrupted by the user (128 + SIGINT).</summary>
    public const int Canceled = 130;
}
