using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Fetching;

/// <summary>
/// A content-addressed directory of verified images: <c>sha3-224/&lt;hex&gt;</c> (read-only files, each with a
/// <c>&lt;hex&gt;.length</c> record of its verified length), <c>partial/</c> (resumable downloads and their records)
/// and <c>locks/</c> (one OS file lock per digest while it is fetched, verified or evicted; released when its
/// process dies, and deleted when released). A file under a final name has always been verified by the process that
/// renamed it there. A lookup checks the file's size against its record (a truncated file is evicted); only
/// <see cref="VerifyAsync"/>, <see cref="VerifyAllAsync"/> or the fetcher's
/// <see cref="ImageFetcherOptions.RehashOnCacheHit"/> re-hash the content, as that reads the whole file.
/// </summary>
/// <remarks>The cache owns this layout: an <see cref="ImageFetcher"/> reserves a digest, writes the partial file it is given, and commits it after verification.</remarks>
public sealed class ImageCache
{
    private const string LengthSuffix = ".length";
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance over a directory, which is created when first needed.</summary>
    /// <param name="directory">The cache directory.</param>
    /// <param name="timeProvider">The clock that stamps each use (eviction order) and ages partial downloads, or <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public ImageCache(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the full path of the cache directory.</summary>
    public string Directory { get; }

    private string PartialDirectory => Path.Combine(Directory, "partial");

    private string LockDirectory => Path.Combine(Directory, "locks");

    /// <summary>Gets the path a verified image with this digest has in the cache, whether or not it is there.</summary>
    /// <param name="digest">The digest.</param>
    /// <returns>The full path, named after the digest only.</returns>
    public string GetImagePath(Sha3Digest digest)
    {
        EnsureDigest(digest);
        return Path.Combine(Directory, AlgorithmDirectory(digest), digest.ToString());
    }

    /// <summary>Gets a cached image after checking that it is not a link and that its size is the verified size; a file that fails the check is evicted.</summary>
    /// <param name="digest">The digest.</param>
    /// <param name="image">The image, when found.</param>
    /// <returns><see langword="true"/> when the image is in the cache.</returns>
    public bool TryGet(Sha3Digest digest, [NotNullWhen(true)] out CachedImage? image)
    {
        image = Lookup(digest, out _);
        return image is not null;
    }

    /// <summary>Re-hashes one cached image at full hashing speed; a file that does not hash to its name is evicted.</summary>
    /// <param name="digest">The digest.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="true"/> when the image is present and verified; <see langword="false"/> when absent or evicted.</returns>
    public ValueTask<bool> VerifyAsync(Sha3Digest digest, CancellationToken cancellationToken = default)
    {
        EnsureDigest(digest);
        return VerifyCoreAsync(digest, cancellationToken);
    }

    /// <summary>Re-hashes every cached image at full hashing speed, evicting those that no longer match.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>Each image found and whether it verified.</returns>
    public async Task<IReadOnlyList<(CachedImage Image, bool Verified)>> VerifyAllAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<(CachedImage, bool)>();
        foreach (var image in List())
        {
            results.Add((image, await VerifyCoreAsync(image.Digest, cancellationToken).ConfigureAwait(false)));
        }

        return results;
    }

    /// <summary>Lists the verified images, least recently used first.</summary>
    /// <returns>The images.</returns>
    public IReadOnlyList<CachedImage> List()
    {
        var images = new List<CachedImage>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return images;
        }

        foreach (var algorithmDirectory in System.IO.Directory.EnumerateDirectories(Directory, "sha3-*"))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(algorithmDirectory))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(LengthSuffix, StringComparison.Ordinal) || !TryParseDigest(name, out var digest))
                {
                    continue;
                }

                var info = new FileInfo(file);
                images.Add(new CachedImage(digest, file, info.Length, info.LastAccessTimeUtc));
            }
        }

        images.Sort((a, b) => a.LastUsedUtc.CompareTo(b.LastUsedUtc));
        return images;
    }

    /// <summary>Gets the total size of the verified images, in bytes.</summary>
    /// <returns>The size.</returns>
    public long GetTotalSize() => List().Sum(i => i.Length);

    /// <summary>Evicts least recently used images until the total size is at most <paramref name="maxBytes"/>; an image whose lock is held (being fetched or verified, here or in another process) is never evicted.</summary>
    /// <param name="maxBytes">The size to reach.</param>
    /// <returns>The images evicted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    public IReadOnlyList<CachedImage> Prune(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var images = List();
        var total = images.Sum(i => i.Length);
        var evicted = new List<CachedImage>();
        foreach (var image in images)
        {
            if (total <= maxBytes)
            {
                break;
            }

            using var held = TryLock(image.Digest);
            if (held is null)
            {
                continue;
            }

            Evict(image.Path);
            total -= image.Length;
            evicted.Add(image);
        }

        return evicted;
    }

    /// <summary>
    /// Evicts exactly <paramref name="images"/> (a plan made from <see cref="List"/>, for example by age), each only
    /// while holding its lock: an image being fetched or verified, here or in another process, is kept, and so is one
    /// that is no longer the file that was listed. Nothing outside the plan is evicted.
    /// </summary>
    /// <param name="images">The images to evict.</param>
    /// <returns>The images evicted, in the order given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<CachedImage> Prune(IEnumerable<CachedImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var evicted = new List<CachedImage>();
        foreach (var image in images)
        {
            ArgumentNullException.ThrowIfNull(image, nameof(images));
            using var held = TryLock(image.Digest);
            var path = GetImagePath(image.Digest);
            if (held is null || !File.Exists(path) || new FileInfo(path).Length != image.Length)
            {
                continue;
            }

            Evict(path);
            evicted.Add(image);
        }

        return evicted;
    }

    /// <summary>Removes one image from the cache.</summary>
    /// <param name="digest">The digest.</param>
    /// <returns><see langword="true"/> when a file was removed.</returns>
    public bool Remove(Sha3Digest digest)
    {
        var path = GetImagePath(digest);
        var existed = File.Exists(path);
        Evict(path);
        return existed;
    }

    /// <summary>
    /// Deletes partial downloads not modified for <paramref name="olderThan"/>, each only while holding its digest's
    /// lock, so a live download is never touched; lock files that a killed process left behind are deleted too.
    /// </summary>
    /// <param name="olderThan">The minimum age of a partial download to delete.</param>
    /// <returns>The number of partial downloads deleted.</returns>
    public int CleanStalePartials(TimeSpan olderThan)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var deleted = 0;
        var cutoff = _time.GetUtcNow().UtcDateTime - olderThan;
        if (System.IO.Directory.Exists(PartialDirectory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(PartialDirectory, "*.part"))
            {
                var stem = Path.GetFileNameWithoutExtension(file);
                var dash = stem.LastIndexOf('-');
                if (dash < 0 || !TryParseDigest(stem[(dash + 1)..], out var digest) || File.GetLastWriteTimeUtc(file) > cutoff)
                {
                    continue;
                }

                using var held = TryLock(digest);
                if (held is null)
                {
                    continue;
                }

                FileSafety.DeleteIfExists(file);
                PartialRecord.Delete(file);
                deleted++;
            }
        }

        if (System.IO.Directory.Exists(LockDirectory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(LockDirectory, "*.lock"))
            {
                // Taking a free lock and releasing it deletes its file; a held one is left alone.
                FileLock.TryAcquire(file)?.Dispose();
            }
        }

        return deleted;
    }

    /// <summary>
    /// What <see cref="TryGet"/> does; <paramref name="rejected"/> tells a plain miss from a file that is there but
    /// failed the check (a link, left in place for a fetch to refuse, or a file of the wrong size, evicted).
    /// </summary>
    internal CachedImage? Lookup(Sha3Digest digest, out bool rejected)
    {
        rejected = false;
        var path = GetImagePath(digest);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }

        rejected = true;
        if (FileSafety.IsLink(info))
        {
            return null;
        }

        if (ReadRecordedLength(path) != info.Length)
        {
            Evict(path);
            return null;
        }

        rejected = false;
        var now = Touch(path);
        return new CachedImage(digest, path, info.Length, now);
    }

    /// <summary>Reserves <paramref name="digest"/> for a download into this cache: waits for its lock, then hands out the partial file to write and the commit that publishes it.</summary>
    internal async ValueTask<ImageReservation> ReserveAsync(Sha3Digest digest, bool rehashExisting, CancellationToken cancellationToken)
    {
        EnsureDigest(digest);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, AlgorithmDirectory(digest)));
        System.IO.Directory.CreateDirectory(PartialDirectory);
        System.IO.Directory.CreateDirectory(LockDirectory);
        var held = await FileLock.AcquireAsync(LockPath(digest), _time, cancellationToken).ConfigureAwait(false);
        return new Reservation(this, digest, Path.Combine(PartialDirectory, Key(digest) + ".part"), held, rehashExisting);
    }

    internal static string Key(Sha3Digest digest) => AlgorithmDirectory(digest) + "-" + digest.ToString();

    private string LockPath(Sha3Digest digest) => Path.Combine(LockDirectory, Key(digest) + ".lock");

    private FileLock? TryLock(Sha3Digest digest)
    {
        System.IO.Directory.CreateDirectory(LockDirectory);
        return FileLock.TryAcquire(LockPath(digest));
    }

    private async ValueTask<bool> VerifyCoreAsync(Sha3Digest digest, CancellationToken cancellationToken)
    {
        var path = GetImagePath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        var hasher = Sha3Hasher.Create(digest.BitLength);
        var stream = FileSafety.OpenRead(path, checkLink: true);
        long length;
        await using (stream.ConfigureAwait(false))
        {
            length = await StreamHashing.AppendFileRangeAsync(hasher, stream.SafeFileHandle, stream.Length, progress: null, StreamHashing.BufferSize, cancellationToken).ConfigureAwait(false);
        }

        if (hasher.GetCurrentDigest() != digest)
        {
            Evict(path);
            return false;
        }

        if (ReadRecordedLength(path) != length)
        {
            RecordLength(path, length);
        }

        return true;
    }

    private static string AlgorithmDirectory(Sha3Digest digest) => "sha3-" + digest.BitLength.ToString(CultureInfo.InvariantCulture);

    private static void EnsureDigest(Sha3Digest digest)
    {
        if (digest.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.ExpectedDigestIsDefault, nameof(digest));
        }
    }

    private static bool TryParseDigest(string hex, out Sha3Digest digest)
    {
        // The cache names its files in lowercase only; any other spelling is not one of its entries.
        digest = default;
        return hex.All(char.IsAsciiHexDigitLower) && Sha3Digest.TryParse(hex, out digest);
    }

    /// <summary>Writes the verified-length record of an image atomically (temp file, then rename over any old record).</summary>
    private static void RecordLength(string imagePath, long length) =>
        FileSafety.ReplaceAtomically(imagePath + LengthSuffix, length.ToString(CultureInfo.InvariantCulture));

    private static long ReadRecordedLength(string imagePath)
    {
        try
        {
            var text = File.ReadAllText(imagePath + LengthSuffix);
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private DateTime Touch(string path)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        try
        {
            File.SetLastAccessTimeUtc(path, now);
        }
        catch (IOException)
        {
            // Access times only order eviction.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: a cache on a volume that refuses it still works.
        }

        return now;
    }

    private static void Evict(string path)
    {
        FileSafety.DeleteIfExists(path);
        FileSafety.DeleteIfExists(path + LengthSuffix);
    }

    /// <summary>A digest reserved in this cache: the length record is written before the rename, the use stamped after it.</summary>
    private sealed class Reservation(ImageCache cache, Sha3Digest digest, string partialPath, FileLock held, bool rehashExisting)
        : ImageReservation(digest, cache.GetImagePath(digest), partialPath, held)
    {
        public override async ValueTask<long?> FindExistingAsync(CancellationToken cancellationToken)
        {
            if (cache.Lookup(Digest, out _) is not { } image)
            {
                return null;
            }

            if (rehashExisting && !await cache.VerifyCoreAsync(Digest, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return image.Length;
        }

        // Another process checks an image's size against its record without taking the lock: the record must exist
        // before the image appears under its name, or that check would evict the new image as corrupt.
        protected override void BeforeRename(long length) => RecordLength(FinalPath, length);

        protected override void AfterRename() => cache.Touch(FinalPath);
    }
}
