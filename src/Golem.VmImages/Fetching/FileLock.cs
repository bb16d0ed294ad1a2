using System.Security.Cryptography;

namespace Golem.VmImages.Fetching;

/// <summary>
/// An exclusive OS file lock (<see cref="FileShare.None"/>: <c>flock</c> on Unix, a share-mode lock on Windows) that
/// dies with its process, so a crashed fetch never leaves a lock behind. The lock file is deleted when the lock is
/// released, so finished and failed fetches leave no lock files; a waiter that locked a file deleted in the meantime
/// notices that the path no longer names its file and tries again.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private FileStream? _stream;

    private FileLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>Gets the lock file's path.</summary>
    public string Path { get; }

    /// <summary>Takes the lock, waiting (polling every 50 ms on <paramref name="time"/>) while another fetch, here or in another process, holds it.</summary>
    public static async ValueTask<FileLock> AcquireAsync(string path, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryAcquire(path) is { } held)
            {
                return held;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the lock if it is free; <see langword="null"/> when someone holds it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        FileSafety.EnsureNotLink(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (OperatingSystem.IsWindows())
        {
            return null;
        }

        if (!OperatingSystem.IsWindows() && !StillNamesLockedFile(path, stream))
        {
            // Locked a file its previous holder deleted on release: the lock guards nothing, try again.
            stream.Dispose();
            return null;
        }

        return new FileLock(path, stream);
    }

    /// <summary>Deletes the lock file, then releases the lock (in that order, so nobody else holds it in between).</summary>
    public void Dispose()
    {
        var stream = Interlocked.Exchange(ref _stream, null);
        if (stream is null)
        {
            return;
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                // Windows refuses to delete a file open without FileShare.Delete: release first; another process
                // that opened it meanwhile keeps the file, and a later release deletes it.
                stream.Dispose();
                File.Delete(Path);
            }
            else
            {
                File.Delete(Path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The lock file is only a name for the lock; one left behind is reused by the next fetch.
        }
        finally
        {
            stream.Dispose();
        }
    }

    /// <summary>
    /// Marks the locked file through its handle with a random modification time and reads the time back through the
    /// path (a stat, which takes no lock): equal only when the path still names the file this handle locked.
    /// </summary>
    private static bool StillNamesLockedFile(string path, FileStream stream)
    {
        var mark = DateTime.UnixEpoch.AddSeconds(RandomNumberGenerator.GetInt32(1, int.MaxValue));
        try
        {
            File.SetLastWriteTimeUtc(stream.SafeFileHandle, mark);
            return File.GetLastWriteTimeUtc(path) == mark;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
