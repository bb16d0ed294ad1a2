using Golem.VmImages.Interop;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Hashing;

/// <summary>
/// What tells a file apart from a changed or replaced one without reading it: its full path, length and last-write
/// time, and on Linux its device, inode and change time (the change time moves on every write or metadata change and
/// cannot be set back, so restoring the old modification time does not hide an edit). Two identities of the same
/// unchanged file are equal; a hash remembered with one is valid while the file's identity still equals it.
/// </summary>
/// <param name="FullPath">The file's full path.</param>
/// <param name="Length">The file's length in bytes.</param>
/// <param name="LastWriteTicks">The file's last-write time in UTC, in <see cref="DateTime.Ticks"/>.</param>
/// <param name="Device">The device the file is on (major in the high 32 bits, minor in the low); 0 where it cannot be read.</param>
/// <param name="Inode">The file's inode number; 0 where it cannot be read.</param>
/// <param name="ChangeTimeNanoseconds">The file's change time in nanoseconds since the Unix epoch; 0 where it cannot be read.</param>
public readonly record struct FileIdentity(string FullPath, long Length, long LastWriteTicks, ulong Device, ulong Inode, long ChangeTimeNanoseconds)
{
    /// <summary>Gets the file's last-write time in UTC.</summary>
    public DateTimeOffset LastWriteTimeUtc => new(LastWriteTicks, TimeSpan.Zero);

    /// <summary>Reads the identity of the file open in <paramref name="handle"/>; device, inode and change time are 0 where they cannot be read.</summary>
    /// <param name="path">The path the file was opened by.</param>
    /// <param name="handle">The open file.</param>
    /// <returns>The file's identity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="handle"/> is <see langword="null"/>.</exception>
    public static FileIdentity Of(string path, SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(handle);
        var fullPath = Path.GetFullPath(path);
        if (OperatingSystem.IsLinux() && TryStatx(handle, fullPath, out var status))
        {
            return From(fullPath, status);
        }

        return new FileIdentity(fullPath, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks, 0, 0, 0);
    }

    /// <summary>
    /// Reads the identity of the file at <paramref name="path"/> without opening it (symbolic links are followed), so a
    /// FIFO is looked at, never waited on; equal to <see cref="Of(string, SafeFileHandle)"/> for the same file.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The file's identity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    public static FileIdentity Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        if (OperatingSystem.IsLinux() && TryStatx(handle: null, fullPath, out var status))
        {
            return From(fullPath, status);
        }

        var info = new FileInfo(fullPath);
        return info.Exists
            ? new FileIdentity(fullPath, info.Length, info.LastWriteTimeUtc.Ticks, 0, 0, 0)
            : throw new FileNotFoundException(ErrorMessages.FileIdentityNoFile(fullPath), fullPath);
    }

    private static FileIdentity From(string fullPath, Statx.Buffer status) =>
        new(
            fullPath,
            (long)status.Size,
            DateTime.UnixEpoch.AddTicks((status.ModifiedSeconds * TimeSpan.TicksPerSecond) + (status.ModifiedNanoseconds / 100)).Ticks,
            ((ulong)status.DeviceMajor << 32) | status.DeviceMinor,
            status.Inode,
            (status.ChangedSeconds * 1_000_000_000) + status.ChangedNanoseconds);

    /// <summary>statx of the open <paramref name="handle"/>, or of <paramref name="path"/> when there is none.</summary>
    private static bool TryStatx(SafeFileHandle? handle, string path, out Statx.Buffer status)
    {
        try
        {
            return (handle is null ? Statx.OfPath(path, Statx.BasicStats, out status) : Statx.OfHandle(handle, Statx.BasicStats, out status)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without statx (an old glibc or musl): length and modification time only.
            status = default;
            return false;
        }
    }
}
