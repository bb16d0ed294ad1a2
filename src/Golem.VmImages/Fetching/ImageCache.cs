using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Fetching;

/// <summary>An image in an <see cref="ImageCache"/>.</summary>
/// <param name="Digest">The image digest, which is also its file name.</param>
/// <param name="Path">The full path of the read-only file.</param>
/// <param name="Length">The file length in bytes.</param>
/// <param name="LastUsedUtc">When the image was last stored or returned by the cache.</param>
public sealed record CachedImage(Sha3Digest Digest, string Path, long Length, DateTime LastUsedUtc);

/// <summary>
/// A content-addressed directory of verified images: <c>sha3-224/&lt;hex&gt;</c> (read-only files, each with a
/// <c>&lt;hex&gt;.length</c> record of its verified length), <c>partial/</c> (resumable downloads and their validator
/// metadata) and <c>locks/</c> (one OS file lock per digest, released when its process dies). A file under a final
/// name has always been verified; its size is checked on every hit and it can be fully re-hashed on demand.
/// </summary>
/// <remarks>
/// <see cref="GetOrFetchAsync"/> returns a cached image or downloads it through an <see cref="IImageFetcher"/> whose
/// <see cref="IImageFetcher.Cache"/> is this cache; it is the same call as
/// <see cref="IImageFetcher.FetchAsync(Sha3Digest, IReadOnlyList{Uri}, ImageFetchOptions?, CancellationToken)"/> without a destination path.
/// </remarks>
public sealed class ImageCache
{
    private const string LengthSuffix = ".length";
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Initializes a new instance over a directory, which is created when first needed.</summary>
    /// <param name="directory">The cache directory.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public ImageCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>Gets the full path of the cache directory.</summary>
    public string Directory { get; }

    internal string PartialDirectory => Path.Combine(Directory, "partial");

    internal string LockDirectory => Path.Combine(Directory, "locks");

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
        var now = DateTime.UtcNow;
        Touch(path, now);
        return new CachedImage(digest, path, info.Length, now);
    }

    /// <summary>
    /// Gets the image from this cache (size checked, re-hashed when the fetcher's options ask for it), or downloads,
    /// verifies and stores it through <paramref name="fetcher"/>, which must use this cache.
    /// </summary>
    /// <param name="fetcher">The fetcher that downloads on a miss; its <see cref="IImageFetcher.Cache"/> must be this cache's directory.</param>
    /// <param name="digest">The digest the image must hash to.</param>
    /// <param name="urls">One or more absolute <c>http</c>, <c>https</c> or <c>file</c> URLs (mirrors), tried in order on a miss.</param>
    /// <param name="progress">Where progress is reported, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The verified image; <see cref="FetchedImage.FromCache"/> tells whether it was already here.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="fetcher"/> or <paramref name="urls"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The digest is default, <paramref name="fetcher"/> stores into another cache directory, or a URL is unusable.</exception>
    /// <exception cref="ImageHashMismatchException">The only URL served bytes with another digest.</exception>
    /// <exception cref="ImageDownloadException">The download failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; a partial download is kept for resuming.</exception>
    public Task<FetchedImage> GetOrFetchAsync(IImageFetcher fetcher, Sha3Digest digest, IReadOnlyList<Uri> urls, IProgress<ImageFetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(urls);
        EnsureDigest(digest);
        if (!string.Equals(fetcher.Cache.Directory, Directory, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new ArgumentException(ErrorMessages.FetcherUsesAnotherCache(fetcher.Cache.Directory, Directory), nameof(fetcher));
        }

        return fetcher.FetchAsync(digest, urls, progress is null ? null : new ImageFetchOptions { Progress = progress }, cancellationToken);
    }

    /// <summary>Re-hashes one cached image; a file that does not hash to its name is evicted.</summary>
    /// <param name="digest">The digest.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="true"/> when the image is present and verified; <see langword="false"/> when absent or evicted.</returns>
    public ValueTask<bool> VerifyAsync(Sha3Digest digest, CancellationToken cancellationToken = default)
    {
        EnsureDigest(digest);
        return VerifyCoreAsync(digest, cancellationToken);
    }

    /// <summary>Re-hashes every cached image, evicting those that no longer match.</summary>
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

            using var held = TryAcquireLock(image.Digest);
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

    /// <summary>Deletes partial downloads not modified for <paramref name="olderThan"/>, each only while holding its digest's lock, so a live download is never touched.</summary>
    /// <param name="olderThan">The minimum age of a partial download to delete.</param>
    /// <returns>The number of partial downloads deleted.</returns>
    public int CleanStalePartials(TimeSpan olderThan)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        if (!System.IO.Directory.Exists(PartialDirectory))
        {
            return 0;
        }

        var deleted = 0;
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var file in System.IO.Directory.EnumerateFiles(PartialDirectory, "*.part"))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            var dash = stem.LastIndexOf('-');
            if (dash < 0 || !TryParseDigest(stem[(dash + 1)..], out var digest) || File.GetLastWriteTimeUtc(file) > cutoff)
            {
                continue;
            }

            using var held = TryAcquireLock(digest);
            if (held is null)
            {
                continue;
            }

            FileSafety.DeleteIfExists(file);
            PartialMetadata.Delete(file);
            deleted++;
        }

        return deleted;
    }

    internal string GetPartialPath(Sha3Digest digest) => Path.Combine(PartialDirectory, Key(digest) + ".part");

    internal void EnsureDirectories(Sha3Digest digest)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, AlgorithmDirectory(digest)));
        System.IO.Directory.CreateDirectory(PartialDirectory);
        System.IO.Directory.CreateDirectory(LockDirectory);
    }

    internal static void RecordVerified(string imagePath, long length)
    {
        RecordLength(imagePath, length);
        Touch(imagePath, DateTime.UtcNow);
    }

    /// <summary>Writes the verified-length record of an image atomically (temp file, then rename over any old record).</summary>
    internal static void RecordLength(string imagePath, long length) =>
        FileSafety.ReplaceAtomically(imagePath + LengthSuffix, length.ToString(CultureInfo.InvariantCulture));

    /// <summary>Takes the digest's OS file lock, waiting while another process or fetch holds it.</summary>
    internal async ValueTask<FileStream> AcquireLockAsync(Sha3Digest digest, CancellationToken cancellationToken)
    {
        while (true)
        {
            var held = TryAcquireLock(digest);
            if (held is not null)
            {
                return held;
            }

            await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the digest's OS file lock if it is free (<see cref="FileShare.None"/> is an exclusive <c>flock</c> on Unix, a share-mode lock on Windows).</summary>
    internal FileStream? TryAcquireLock(Sha3Digest digest)
    {
        System.IO.Directory.CreateDirectory(LockDirectory);
        var path = Path.Combine(LockDirectory, Key(digest) + ".lock");
        FileSafety.EnsureNotLink(path);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (OperatingSystem.IsWindows())
        {
            return null;
        }
    }

    internal async ValueTask<bool> VerifyCoreAsync(Sha3Digest digest, CancellationToken cancellationToken)
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
            RecordVerified(path, length);
        }

        return true;
    }

    internal static string Key(Sha3Digest digest) => AlgorithmDirectory(digest) + "-" + digest.ToString();

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

    internal static void Touch(string path, DateTime now)
    {
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
    }

    private static void Evict(string path)
    {
        FileSafety.DeleteIfExists(path);
        FileSafety.DeleteIfExists(path + LengthSuffix);
    }
}
