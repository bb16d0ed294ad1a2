namespace Golem.VmImages.Cli.Invocation;

/// <summary>An input the user named cannot be used as what the command needs (not a .gvmi image, a pipe, a directory); exit code 1.</summary>
internal sealed class InputException(string message, Exception? innerException = null) : Exception(message, innerException);
