using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Fetching;

/// <summary>
/// Starts the kernel's write-back of a file while it is still being written, so the final <c>fsync</c> before the
/// rename finds little left to do: every <c>interval</c> bytes the range just written is handed to the disk without
/// waiting (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>), and the range before the previous one is waited for, which
/// bounds the dirty pages to about three intervals, then dropped from the page cache (<c>posix_fadvise(DONTNEED)</c>), so
/// a fetch keeps about three intervals of the file in memory and leaves the rest of the page cache alone. Linux only;
/// elsewhere, or after the first failed call, it does nothing and the final flush does all the work. Called from the
/// writer stage only, never from the hasher.
/// </summary>
internal sealed partial class WriteBack
{
    /// <summary>The default distance between two hints: large enough for the disk to merge, small enough to keep the dirty pages few.</summary>
    public const long DefaultInterval = 32L << 20;

    private const uint WaitBefore = 1;
    private const uint Write = 2;
    private const uint WaitAfter = 4;
    private const int FAdviseDontNeed = 4;

    private readonly SafeFileHandle _file;
    private readonly long _interval;
    private long _hinted;
    private long _previousStart;
    private long _previousLength;
    private long _olderStart;
    private long _olderLength;
    private bool _disabled;

    public WriteBack(SafeFileHandle file, long offset, long interval)
    {
        _file = file;
        _interval = interval;
        _hinted = offset;
        _disabled = _interval <= 0 || !OperatingSystem.IsLinux();
    }

    /// <summary>Gets the number of ranges handed to the kernel so far.</summary>
    public int Hints { get; private set; }

    /// <summary>Called after the bytes up to <paramref name="end"/> were written; hints the kernel every interval.</summary>
    public void OnWritten(long end)
    {
        if (_disabled || end - _hinted < _interval)
        {
            return;
        }

        var start = _hinted;
        var length = end - start;
        if (_olderLength > 0)
        {
            // Range N-2 has had a whole interval to reach the disk; waiting for it bounds the dirty pages.
            Call(_olderStart, _olderLength, WaitBefore | Write | WaitAfter);
            if (!_disabled)
            {
                // Its pages are clean and on the disk: drop them, so the next writes reuse warm memory instead of
                // taking fresh pages (costly in a VM whose free memory goes back to the host: the copy into the page
                // cache took half the fetch's CPU), and a multi-GiB download does not evict other programs' cache.
                // Advice only: a failure changes nothing.
                _ = FAdvise(_file, _olderStart, _olderLength, FAdviseDontNeed);
            }
        }

        Call(start, length, Write);
        _olderStart = _previousStart;
        _olderLength = _previousLength;
        _previousStart = start;
        _previousLength = length;
        _hinted = end;
        Hints++;
    }

    private void Call(long offset, long length, uint flags)
    {
        if (_disabled)
        {
            return;
        }

        try
        {
            if (SyncFileRange(_file, offset, length, flags) != 0)
            {
                // EINVAL, ESPIPE (not a regular file) or an I/O error: stop hinting; the final flush reports real errors.
                _disabled = true;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _disabled = true;
        }
    }

    // posix_fadvise returns the error number instead of setting errno.
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FAdvise(SafeFileHandle fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
