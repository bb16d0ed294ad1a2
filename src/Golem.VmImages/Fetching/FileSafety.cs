namespace Golem.VmImages.Fetching;

/// <summary>File operations that never follow a symbolic link planted where the fetcher writes.</summary>
internal static class FileSafety
{
    /// <summary>Gets whether <paramref name="info"/> is a symbolic link (dangling or not) or other reparse point.</summary>
    public static bool IsLink(FileInfo info) =>
        info.LinkTarget is not null || (info.Exists && (info.Attributes & FileAttributes.ReparsePoint) != 0);

    /// <summary>Gets whether anything is at <paramref name="path"/>: a file, or a link even when dangling.</summary>
    public static bool Exists(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || info.LinkTarget is not null;
    }

    /// <summary>Throws when <paramref name="path"/> exists as a symbolic link or other reparse point.</summary>
    public static void EnsureNotLink(string path)
    {
        var info = new FileInfo(path);
        if (IsLink(info))
        {
            throw new IOException(ErrorMessages.PathIsLink(path, info.LinkTarget));
        }
    }

    /// <summary>Creates a new file exclusively; fails when anything, a dangling link included, already exists there.</summary>
    public static FileStream CreateExclusive(string path)
    {
        EnsureNotLink(path);
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        });
    }

    /// <summary>
    /// Opens an existing file for reading and writing after checking it is not a link. A partial file left read-only
    /// (the process died between making the verified file read-only and renaming it) is made writable
    /// for its owner first: without root, opening it for writing would otherwise fail on every later run.
    /// </summary>
    public static FileStream OpenExisting(string path)
    {
        EnsureNotLink(path);
        MakeOwnerWritable(path);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        });

        // The check above and the open are two steps; refuse if a link appeared in between.
        EnsureNotLink(path);
        return stream;
    }

    /// <summary>Opens a file for sequential reading after checking it is not a link.</summary>
    public static FileStream OpenRead(string path, bool checkLink)
    {
        if (checkLink)
        {
            EnsureNotLink(path);
        }

        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
    }

    /// <summary>Makes a file read-only for everyone.</summary>
    public static void MakeReadOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, File.GetAttributes(path) | FileAttributes.ReadOnly);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>Gives the owner write permission on a file that lacks it (on Windows: clears the read-only attribute).</summary>
    public static void MakeOwnerWritable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            var attributes = File.GetAttributes(path);
            if ((attributes & FileAttributes.ReadOnly) != 0)
            {
                File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
            }
        }
        else
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserWrite) == 0)
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <summary>Deletes a file if it exists, read-only or not; a link is deleted, never its target.</summary>
    public static void DeleteIfExists(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null && !info.Exists)
        {
            return;
        }

        if (OperatingSystem.IsWindows() && info.Exists && info.IsReadOnly)
        {
            info.IsReadOnly = false;
        }

        File.Delete(path);
    }

    /// <summary>
    /// Writes a small record file atomically: a uniquely named temporary file next to it, renamed over any old record
    /// (a rename replaces a link there, never writes through it), so a reader sees the old text or the new, never half.
    /// </summary>
    public static void ReplaceAtomically(string path, string contents)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, contents);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Moves a verified file to its final name without replacing anything there.</summary>
    public static void MoveNoReplace(string source, string destination)
    {
        EnsureNotLink(destination);
        File.Move(source, destination, overwrite: false);
    }
}
