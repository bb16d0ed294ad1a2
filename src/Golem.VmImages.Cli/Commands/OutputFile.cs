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

    /// <summary>
    /// Throws a <see cref="DiskException"/> naming <paramref name="path"/> (as the user typed it) when its directory
    /// cannot be written, before any work: a tool that cannot create its output says only "I/O error".
    /// </summary>
    public static void RequireWritableDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        try
        {
            using var probe = new FileStream(Path.Combine(directory, $".gvmi-probe-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && DiskException.For(path, ex) is { } disk)
        {
            throw disk;
        }
    }
}
