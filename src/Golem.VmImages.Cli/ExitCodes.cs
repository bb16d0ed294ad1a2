namespace Golem.VmImages.Cli;

/// <summary>The process exit codes of <c>gvmi</c>, one table for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>At least one input could not be read or did not verify (like <c>sha3sum</c>).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong (an option combination the parser cannot check), as System.CommandLine's own parse errors.</summary>
    public const int Usage = 2;

    /// <summary><c>gvmi fetch</c>: every source served bytes that did not hash to the expected digest; <c>gvmi cache verify</c>: an image no longer matched and was evicted.</summary>
    public const int Mismatch = 3;

    /// <summary><c>gvmi fetch</c>: every source answered 404 or 410, or a <c>file:</c> source does not exist.</summary>
    public const int NotFound = 4;

    /// <summary><c>gvmi fetch</c>: the download failed for another reason (network, server error, disk), after its retries.</summary>
    public const int Network = 5;

    /// <summary><c>gvmi fetch</c>: the image is larger than <c>--max-size</c>.</summary>
    public const int TooLarge = 6;

    /// <summary><c>gvmi publish</c>: a different object is already stored at the key (and <c>--overwrite</c> was not given).</summary>
    public const int Conflict = 7;

    /// <summary><c>gvmi publish</c>: the image was stored, but its public URL does not serve it as providers need.</summary>
    public const int NotPublic = 8;

    /// <summary>Interrupted by the user (128 + SIGINT).</summary>
    public const int Canceled = 130;
}
