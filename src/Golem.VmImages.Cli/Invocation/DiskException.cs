namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// The user's destination (an output file, a cache or publish directory) cannot be written: the disk is full or the
/// directory is not writable. The message names the path the user gave, never a temporary file; exit code 5.
/// </summary>
internal sealed class DiskException(string message, Exception innerException) : IOException(message, innerException)
{
    /// <summary>errno ENOSPC on Linux and macOS: .NET reports it as the <see cref="Exception.HResult"/> of an <see cref="IOException"/>.</summary>
    private const int NoSpaceErrno = 28;

    /// <summary>errno EROFS: a read-only file system.</summary>
    private const int ReadOnlyErrno = 30;

    /// <summary>ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL on Windows.</summary>
    private const int HandleDiskFull = unchecked((int)0x80070027), DiskFull = unchecked((int)0x80070070);

    /// <summary>Whether <paramref name="exception"/> or one of its causes says the disk is full.</summary>
    public static bool IsDiskFull(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is IOException { HResult: NoSpaceErrno or HandleDiskFull or DiskFull }
                || current.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="exception"/> or one of its causes is a permission failure.</summary>
    public static bool IsPermissionDenied(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is UnauthorizedAccessException or IOException { HResult: ReadOnlyErrno })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A <see cref="DiskException"/> naming <paramref name="path"/> when <paramref name="exception"/> is a full disk or a
    /// permission failure, or null when it is something else.
    /// </summary>
    public static DiskException? For(string path, Exception exception) =>
        IsDiskFull(exception) ? new DiskException($"no space left on '{path}'.", exception)
        : IsPermissionDenied(exception) ? new DiskException($"cannot write to '{path}': permission denied.", exception)
        : null;
}
