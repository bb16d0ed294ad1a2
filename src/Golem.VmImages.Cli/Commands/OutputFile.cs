using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Checks an output path before any work, so an existing file is a usage error (exit code 2) on every command.</summary>
internal static class OutputFile
{
    /// <summary>Throws a <see cref="UsageException"/> when <paramref name="path"/> is a directory, or exists and <paramref name="overwrite"/> is false.</summary>
    public static void RefuseExisting(string option, string path, bool overwrite = false, string? force = "--force")
    {
        if (Directory.Exists(path))
        {
            throw new UsageException(ErrorText.OutputIsDirectory(option, path));
        }

        if (!overwrite && Path.Exists(path))
        {
            throw new UsageException(force is null ? ErrorText.OutputExists(option, path) : ErrorText.OutputExistsUnlessForced(option, path, force));
        }
    }
}
