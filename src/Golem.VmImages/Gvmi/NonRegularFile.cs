using Golem.VmImages.Interop;

namespace Golem.VmImages.Gvmi;

/// <summary>
/// Tells a path that is not a regular file apart before anything opens it: opening a FIFO for reading waits for a
/// writer, forever if none comes, and a socket, a device or a directory is never an image. Symbolic links are followed.
/// </summary>
public static class NonRegularFile
{
    private const ushort TypeMask = 0xF000;

    /// <summary>Describes what <paramref name="path"/> is when it is not a regular file (<c>a FIFO (named pipe)</c>, <c>a socket</c>, ...); <see langword="null"/> for a regular file or a path that cannot be looked at (the open then reports it).</summary>
    /// <param name="path">The path to look at.</param>
    /// <param name="allowDirectory">Whether a directory is accepted (a build source may be one).</param>
    public static string? Describe(string path, bool allowDirectory = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            return !allowDirectory && Directory.Exists(path) ? "a directory" : null;
        }

        Statx.Buffer status;
        try
        {
            if (Statx.OfPath(path, Statx.TypeOnly, out status) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return !allowDirectory && Directory.Exists(path) ? "a directory" : null;
        }

        return (status.Mode & TypeMask) switch
        {
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x4000 => allowDirectory ? null : "a directory",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => null,
        };
    }
}
