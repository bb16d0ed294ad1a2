using Golem.VmImages.Fetching;
using Golem.VmImages.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Oci;

/// <summary>
/// The container image blobs that registry builds pulled, kept content-addressed beside the fetch cache's images and
/// by the same rules: a blob is verified (SHA-256 and length) before it appears under its name
/// <c>oci/sha256/&lt;hex&gt;</c> (read-only); a download in progress is <c>oci/partial/sha256-&lt;hex&gt;.part</c>,
/// resumed with <c>Range</c> by the next attempt or the next build; one OS file lock per blob (<c>locks/</c>) makes
/// concurrent builds share one download. A build holds every blob of its image open (a shared lock on the file
/// itself) until it ends, and eviction takes the blob's exclusive lock first, so a blob a build reads is never evicted.
/// </summary>
public sealed class OciBlobCache
{
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance over a cache directory (the one <see cref="OciPullOptions.CacheDirectory"/> names), which is created when first needed.</summary>
    /// <param name="directory">The cache directory; the blobs are under its <c>oci/</c> folder.</param>
    /// <param name="timeProvider">The clock that stamps each use (eviction order) and ages partial downloads, or <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public OciBlobCache(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the full path of the cache directory.</summary>
    public string Directory { get; }

    private string BlobDirectory => Path.Combine(Directory, "oci", "sha256");

    private string PartialDirectory => Path.Combine(Directory, "oci", "partial");

    private string LockDirectory => Path.Combine(Directory, "locks");

    /// <summary>Lists the verified blobs, least recently used first.</summary>
    /// <returns>The blobs.</returns>
    public IReadOnlyList<CachedOciBlob> List()
    {
        var blobs = new List<CachedOciBlob>();
        if (!System.IO.Directory.Exists(BlobDirectory))
        {
            return blobs;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(BlobDirectory))
        {
            var digest = "sha256:" + Path.GetFileName(file);
            var info = new FileInfo(file);
            if (IsDigest(digest) && !FileSafety.IsLink(info))
            {
                blobs.Add(new CachedOciBlob(digest, file, info.Length, info.LastAccessTimeUtc));
            }
        }

        blobs.Sort((a, b) => a.LastUsedUtc.CompareTo(b.LastUsedUtc));
        return blobs;
    }

    /// <summary>
    /// Evicts exactly <paramref name="blobs"/> (a plan made from <see cref="List"/>), each only while holding its
    /// locks: a blob being downloaded or read by a build, here or in another process, is kept, and so is one that is
    /// no longer the file that was listed. Nothing outside the plan is evicted.
    /// </summary>
    /// <param name="blobs">The blobs to evict.</param>
    /// <returns>The blobs evicted, in the order given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="blobs"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<CachedOciBlob> Prune(IEnumerable<CachedOciBlob> blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var evicted = new List<CachedOciBlob>();
        foreach (var blob in blobs)
        {
            ArgumentNullException.ThrowIfNull(blob, nameof(blobs));
            if (!IsDigest(blob.Digest))
            {
                continue;
            }

            using var held = TryLock(blob.Digest);
            if (held is not null && TryEvict(blob.Digest, blob.Length))
            {
                evicted.Add(blob);
            }
        }

        return evicted;
    }

    /// <summary>Re-hashes every cached blob (SHA-256 against its name), evicting those that no longer match.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>Each blob found and whether it verified.</returns>
    public async Task<IReadOnlyList<(CachedOciBlob Blob, bool Verified)>> VerifyAllAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<(CachedOciBlob, bool)>();
        foreach (var blob in List())
        {
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(blob.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (IOException)
            {
                // Evicted since it was listed, or being evicted by another process right now.
                continue;
            }

            string actual;
            using (handle)
            {
                using var hash = new Sha256Sink();
                await OverlappedRead.FileRangeAsync(handle, RandomAccess.GetLength(handle), hash, null, StreamHashing.BufferSize, cancellationToken).ConfigureAwait(false);
                actual = hash.Digest();
            }

            var verified = string.Equals(actual, blob.Digest, StringComparison.Ordinal);
            if (!verified)
            {
                // A corrupt blob goes even while a build reads it: that build fails its own digest check anyway.
                using var held = await FileLock.AcquireAsync(LockPath(blob.Digest), _time, cancellationToken).ConfigureAwait(false);
                FileSafety.DeleteIfExists(blob.Path);
            }

            results.Add((blob, verified));
        }

        return results;
    }

    /// <summary>
    /// Deletes partial downloads (and unfinished manifest writes) not modified for <paramref name="olderThan"/>, each
    /// only while holding its blob's lock, so a live download is never touched.
    /// </summary>
    /// <param name="olderThan">The minimum age of a partial download to delete.</param>
    /// <returns>The number of partial downloads deleted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="olderThan"/> is negative.</exception>
    public int CleanStalePartials(TimeSpan olderThan)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var cutoff = _time.GetUtcNow().UtcDateTime - olderThan;
        var deleted = 0;
        var stale = new List<(string Path, string Digest)>();
        if (System.IO.Directory.Exists(PartialDirectory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(PartialDirectory, "sha256-*.part"))
            {
                stale.Add((file, "sha256:" + Path.GetFileNameWithoutExtension(file)["sha256-".Length..]));
            }
        }

        if (System.IO.Directory.Exists(BlobDirectory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(BlobDirectory, "*.tmp"))
            {
                var name = Path.GetFileName(file);
                stale.Add((file, "sha256:" + name[..Math.Max(0, name.IndexOf('.', StringComparison.Ordinal))]));
            }
        }

        foreach (var (file, digest) in stale)
        {
            if (!IsDigest(digest) || File.GetLastWriteTimeUtc(file) > cutoff)
            {
                continue;
            }

            using var held = TryLock(digest);
            if (held is not null)
            {
                FileSafety.DeleteIfExists(file);
                deleted++;
            }
        }

        return deleted;
    }

    internal static bool IsDigest(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && !digest.AsSpan(7).ContainsAnyExcept(LowerHex);

    internal string PathOf(string digest) => Path.Combine(BlobDirectory, Hex(digest));

    /// <summary>
    /// Returns the blob open for reading (its pin: while it is open the blob is not evicted), downloading it first
    /// unless it is stored, and stamps its use.
    /// </summary>
    /// <param name="digest">The blob digest.</param>
    /// <param name="size">The blob length from its descriptor.</param>
    /// <param name="client">The registry to download it from.</param>
    /// <param name="progress">Receives the bytes done and whether the blob came from the cache.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    internal async Task<FileStream> GetAsync(string digest, long size, OciRegistryClient client, Action<long, bool>? progress, CancellationToken cancellationToken)
    {
        if (TryPin(digest, size, evictWrongLength: false) is { } stored)
        {
            Touch(stored.Name);
            progress?.Invoke(size, true);
            return stored;
        }

        CreateDirectories();
        using var held = await FileLock.AcquireAsync(LockPath(digest), _time, cancellationToken).ConfigureAwait(false);
        if (TryPin(digest, size, evictWrongLength: true) is { } shared)
        {
            Touch(shared.Name);
            progress?.Invoke(size, true);
            return shared;
        }

        var partial = Path.Combine(PartialDirectory, "sha256-" + Hex(digest) + ".part");
        FileSafety.EnsureNotLink(partial);
        try
        {
            await client.DownloadBlobAsync(digest, size, partial, done => progress?.Invoke(done, false), cancellationToken).ConfigureAwait(false);
        }
        catch (OciDigestMismatchException)
        {
            FileSafety.DeleteIfExists(partial);
            throw;
        }

        FileSafety.MakeReadOnly(partial);
        var final = PathOf(digest);
        File.Move(partial, final, overwrite: true);
        Touch(final);
        return Pin(final);
    }

    /// <summary>Stores small content already verified against its digest (a manifest), atomically, and returns it open (its pin).</summary>
    internal async Task<FileStream> PutAsync(string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        if (TryPin(digest, bytes.Length, evictWrongLength: false) is { } stored)
        {
            Touch(stored.Name);
            return stored;
        }

        CreateDirectories();
        using var held = await FileLock.AcquireAsync(LockPath(digest), _time, cancellationToken).ConfigureAwait(false);
        if (TryPin(digest, bytes.Length, evictWrongLength: true) is { } shared)
        {
            Touch(shared.Name);
            return shared;
        }

        var final = PathOf(digest);
        var temporary = final + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
            FileSafety.MakeReadOnly(temporary);
            File.Move(temporary, final, overwrite: true);
        }
        finally
        {
            FileSafety.DeleteIfExists(temporary);
        }

        Touch(final);
        return Pin(final);
    }

    private static string Hex(string digest) => IsDigest(digest) ? digest[7..] : throw new OciRegistryRequestException(ErrorMessages.OciUnsupportedDigest(digest), null, null, null);

    /// <summary>Opens a stored blob with a shared lock; the share mode on Windows, <c>flock</c> on Unix.</summary>
    private static FileStream Pin(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);

    /// <summary>
    /// The stored blob open with its shared lock, or <see langword="null"/> when it is not there, is a link, is being
    /// evicted right now, or has another length than its descriptor (then evicted, when the caller holds its lock).
    /// </summary>
    private FileStream? TryPin(string digest, long size, bool evictWrongLength)
    {
        var path = PathOf(digest);
        if (FileSafety.IsLink(new FileInfo(path)))
        {
            return null;
        }

        FileStream stream;
        try
        {
            stream = Pin(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // Another process evicts it at this moment, holding its exclusive lock.
            return null;
        }

        if (stream.Length == size)
        {
            return stream;
        }

        stream.Dispose();
        if (evictWrongLength)
        {
            FileSafety.DeleteIfExists(path);
        }

        return null;
    }

    /// <summary>Deletes a blob while holding its exclusive lock (refused while a build holds it open) if it still has the listed length.</summary>
    private bool TryEvict(string digest, long length)
    {
        var path = PathOf(digest);
        FileStream exclusive;
        try
        {
            // FileShare.None is flock(LOCK_EX) on Unix; on Windows, sharing only Delete refuses every reader and
            // still lets this handle delete the file.
            exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            // Gone already, or open in a build.
            return false;
        }

        using (exclusive)
        {
            if (exclusive.Length != length || FileSafety.IsLink(new FileInfo(path)))
            {
                return false;
            }

            FileSafety.DeleteIfExists(path);
            return true;
        }
    }

    private void CreateDirectories()
    {
        System.IO.Directory.CreateDirectory(BlobDirectory);
        System.IO.Directory.CreateDirectory(PartialDirectory);
        System.IO.Directory.CreateDirectory(LockDirectory);
    }

    private string LockPath(string digest) => Path.Combine(LockDirectory, "oci-sha256-" + Hex(digest) + ".lock");

    private FileLock? TryLock(string digest)
    {
        System.IO.Directory.CreateDirectory(LockDirectory);
        return FileLock.TryAcquire(LockPath(digest));
    }

    private void Touch(string path)
    {
        try
        {
            File.SetLastAccessTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Access times only order eviction; a cache on a volume that refuses them still works.
        }
    }
}
