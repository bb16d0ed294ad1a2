namespace Golem.VmImages.Cli.Invocation;

/// <summary>The command line is wrong in a way the parser cannot see (conflicting options, an output that exists); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
