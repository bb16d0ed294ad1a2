using Golem.VmImages.Interop;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Hashing;

/// <summary>
/// What tells a file apart from a changed or replaced one without reading it: its full path, length and last-write
/// time, and on Linux its device, inode and change time (the change time moves on every write or metadata change and
/// cannot be set back, so restoring the old modification time does not hide an edit).
/// </summary>
internal readonly record struct FileIdentity(string FullPath, long Length, long LastWriteTicks, ulong Device, ulong Inode, long ChangeTimeNanoseconds)
{
    /// <summary>Reads the identity of the file open in <paramref name="handle"/>; device, inode and change time are 0 where they cannot be read.</summary>
    public static FileIdentity Of(string path, SafeFileHandle handle)
    {
        var fullPath = Path.GetFullPath(path);
        if (OperatingSystem.IsLinux() && TryStatx(handle, out var status))
        {
            return new FileIdentity(
                fullPath,
                (long)status.Size,
                DateTime.UnixEpoch.AddTicks((status.ModifiedSeconds * TimeSpan.TicksPerSecond) + (status.ModifiedNanoseconds / 100)).Ticks,
                ((ulong)status.DeviceMajor << 32) | status.DeviceMinor,
                status.Inode,
                (status.ChangedSeconds * 1_000_000_000) + status.ChangedNanoseconds);
        }

        return new FileIdentity(fullPath, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks, 0, 0, 0);
    }

    private static bool TryStatx(SafeFileHandle handle, out Statx.Buffer status)
    {
        try
        {
            return Statx.OfHandle(handle, Statx.BasicStats, out status) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without statx (an old glibc or musl): length and modification time only.
            status = default;
            return false;
        }
    }
}
