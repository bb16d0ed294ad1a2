using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Interop;

/// <summary>
/// Linux's <c>statx(2)</c>, the library's one binding of it: a path's type (<see cref="Gvmi.NonRegularFile"/>) and an
/// open file's identity (<see cref="Hashing.FileIdentity"/>). Linux only; a C library without <c>statx</c> (an old
/// glibc or musl) throws <see cref="DllNotFoundException"/> or <see cref="EntryPointNotFoundException"/>, which each
/// caller answers in its own way.
/// </summary>
internal static partial class Statx
{
    /// <summary><c>STATX_TYPE</c>: the file type bits of <see cref="Buffer.Mode"/>.</summary>
    public const uint TypeOnly = 0x1;

    /// <summary><c>STATX_BASIC_STATS</c>: type, mode, links, owner, inode, size, blocks and the four times.</summary>
    public const uint BasicStats = 0x7FF;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;

    /// <summary>Looks at <paramref name="path"/> (relative to the current directory, symbolic links followed); 0 on success, -1 when it cannot be looked at.</summary>
    public static int OfPath(string path, uint mask, out Buffer buffer) => Call(AtFdCwd, path, 0, mask, out buffer);

    /// <summary>Looks at the file open in <paramref name="handle"/>; 0 on success, -1 on failure.</summary>
    public static int OfHandle(SafeFileHandle handle, uint mask, out Buffer buffer) => Call(handle, string.Empty, AtEmptyPath, mask, out buffer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Call(int directory, string path, int flags, uint mask, out Buffer buffer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Call(SafeFileHandle directory, string path, int flags, uint mask, out Buffer buffer);

    /// <summary>Linux's <c>struct statx</c> (the same layout on every architecture), the fields the library reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Buffer
    {
        /// <summary><c>stx_mode</c>: the file type (the <c>0xF000</c> bits) and permissions.</summary>
        [FieldOffset(28)]
        public ushort Mode;

        /// <summary><c>stx_ino</c>.</summary>
        [FieldOffset(32)]
        public ulong Inode;

        /// <summary><c>stx_size</c>.</summary>
        [FieldOffset(40)]
        public ulong Size;

        /// <summary><c>stx_ctime.tv_sec</c>: the change time, which moves on every write or metadata change.</summary>
        [FieldOffset(96)]
        public long ChangedSeconds;

        /// <summary><c>stx_ctime.tv_nsec</c>.</summary>
        [FieldOffset(104)]
        public uint ChangedNanoseconds;

        /// <summary><c>stx_mtime.tv_sec</c>.</summary>
        [FieldOffset(112)]
        public long ModifiedSeconds;

        /// <summary><c>stx_mtime.tv_nsec</c>.</summary>
        [FieldOffset(120)]
        public uint ModifiedNanoseconds;

        /// <summary><c>stx_dev_major</c>.</summary>
        [FieldOffset(136)]
        public uint DeviceMajor;

        /// <summary><c>stx_dev_minor</c>.</summary>
        [FieldOffset(140)]
        public uint DeviceMinor;
    }
}
