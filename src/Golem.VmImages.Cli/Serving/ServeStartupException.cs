namespace Golem.VmImages.Cli.Serving;

/// <summary><c>gvmi serve</c> could not start: a one-line reason and the process exit code (from <see cref="ExitCodes"/>).</summary>
internal sealed class ServeStartupException(int exitCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The exit code the command returns.</summary>
    public int ExitCode { get; } = exitCode;
}
