namespace Golem.VmImages.Cli.Serving;

/// <summary>One PATH argument of <c>gvmi serve</c>: a file served under its own name, or a folder whose <c>*.gvmi</c> files are served.</summary>
internal sealed record ServedSource(string Path, string Name, bool IsFolder, string RealPath)
{
    /// <summary>Checks that <paramref name="path"/> exists (a folder must also be listable) and describes it.</summary>
    public static ServedSource Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            try
            {
                using var entries = Directory.EnumerateFileSystemEntries(full).GetEnumerator();
                entries.MoveNext();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ServeStartupException(ExitCodes.Failure, ServeMessages.FolderUnreadable(path, ex), ex);
            }

            return new ServedSource(full, System.IO.Path.GetFileName(full), IsFolder: true, Serving.RealPath.TryResolve(full) ?? full);
        }

        if (!File.Exists(full))
        {
            throw new ServeStartupException(ExitCodes.Failure, ServeMessages.NoSuchFile(path));
        }

        try
        {
            File.OpenHandle(full).Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServeStartupException(ExitCodes.Failure, ServeMessages.FileUnreadable(path, ex), ex);
        }

        return new ServedSource(full, System.IO.Path.GetFileName(full), IsFolder: false, Serving.RealPath.TryResolve(full) ?? full);
    }
}
