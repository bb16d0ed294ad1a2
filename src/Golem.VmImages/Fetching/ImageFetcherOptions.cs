namespace Golem.VmImages.Fetching;

/// <summary>
/// Settings of an <see cref="ImageFetcher"/> and its <see cref="ImageCache"/>. Every limit is bounded: a fetch never
/// retries or waits forever. <see cref="ImageFetcherOptionsValidator"/> checks every value against the range its
/// documentation gives, the same way at start-up when registered through <c>AddGolemVmImages</c> and in the
/// <see cref="ImageFetcher"/> constructor otherwise.
/// </summary>
public sealed class ImageFetcherOptions
{
    /// <summary>The default maximum number of attempts per URL.</summary>
    public const int DefaultMaxAttempts = 6;

    /// <summary>Gets or sets the directory of the content-addressed image cache.</summary>
    /// <value>The default is <c>golem-vmimages</c> under the user's local application data directory (on Linux <c>~/.local/share</c>).</value>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory;

    /// <summary>Gets or sets the maximum total size of the verified images in the cache, in bytes; least recently used images beyond it are evicted.</summary>
    /// <value>The default is 0, which means no limit.</value>
    /// <remarks>Valid from 0 to <see cref="long.MaxValue"/>.</remarks>
    public long MaxCacheSize { get; set; }

    /// <summary>Gets or sets the maximum number of attempts against one URL (the first try included).</summary>
    /// <value>The default is 6 attempts.</value>
    /// <remarks>Valid from 1 to 100.</remarks>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Gets or sets the first retry delay; later delays grow exponentially, with jitter.</summary>
    /// <value>The default is 1 second.</value>
    /// <remarks>Valid from 00:00:00 to 01:00:00.</remarks>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between two attempts.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <remarks>Valid from 00:00:00 to 01:00:00.</remarks>
    public TimeSpan BackoffCap { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest <c>Retry-After</c> a server may impose; a longer value is shortened to this.</summary>
    /// <value>The default is 2 minutes.</value>
    /// <remarks>Valid from 00:00:00 to 01:00:00.</remarks>
    public TimeSpan RetryAfterCap { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the inactivity timeout: an attempt that receives fewer than
    /// <see cref="MinimumBytesPerSecond"/> × this many seconds of data (at least one byte) within this time is abandoned and resumed.
    /// </summary>
    /// <value>The default is 60 seconds.</value>
    /// <remarks>Valid from 00:00:00.001 to 01:00:00.</remarks>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the minimum throughput, in bytes per second, averaged over <see cref="StallTimeout"/>; 0 only requires some progress.</summary>
    /// <value>The default is 1024 bytes per second.</value>
    /// <remarks>Valid from 0 to <see cref="long.MaxValue"/>.</remarks>
    public long MinimumBytesPerSecond { get; set; } = 1024;

    /// <summary>Gets or sets the overall deadline of one fetch, all URLs, attempts and delays included.</summary>
    /// <value>The default is 6 hours.</value>
    /// <remarks>Valid from 00:00:00.001 to 7.00:00:00.</remarks>
    public TimeSpan OverallTimeout { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Gets or sets the largest image accepted, in bytes; a longer body is cut off and the fetch fails.</summary>
    /// <value>The default is 64 GiB.</value>
    /// <remarks>Valid from 0 to <see cref="long.MaxValue"/>.</remarks>
    public long MaxImageSize { get; set; } = 64L << 30;

    /// <summary>Gets or sets the free disk space, in bytes, a download must leave on the volume it writes to (the cache's, or the destination's).</summary>
    /// <value>The default is 512 MiB.</value>
    /// <remarks>
    /// Valid from 0 to <see cref="long.MaxValue"/>. The reserve holds while the download runs: it is checked before
    /// the body (against the announced length, when there is one) and again at least every 4 MiB written (more often
    /// near the reserve), and the fetch stops with an <see cref="ImageDownloadException"/> (its inner exception an
    /// <see cref="IOException"/>) before a write that would take the volume below it. The partial file is then kept
    /// only where a later fetch can resume it (the server announced the length and gave a strong ETag or a
    /// Last-Modified date); otherwise, as for an endless body without a length, it is deleted. 0 turns the reserve off:
    /// only a full volume stops the download then, with the same rule for the partial file.
    /// </remarks>
    public long MinimumFreeDiskSpace { get; set; } = 512L << 20;

    /// <summary>Gets or sets the maximum number of redirects followed per request.</summary>
    /// <value>The default is 10.</value>
    /// <remarks>Valid from 0 to 50.</remarks>
    public int MaxRedirects { get; set; } = 10;

    /// <summary>Gets or sets a value indicating whether a redirect from HTTPS to plain HTTP is followed.</summary>
    /// <value>The default is <see langword="false"/>: such a redirect fails the URL.</value>
    public bool AllowHttpsToHttpDowngrade { get; set; }

    /// <summary>Gets or sets the size of each I/O buffer; four are in flight at a time.</summary>
    /// <value>The default is 1 MiB.</value>
    /// <remarks>Valid from 4096 (4 KiB) to 67108864 (64 MiB).</remarks>
    public int BufferSize { get; set; } = 1 << 20;

    /// <summary>
    /// Gets or sets a value indicating whether a cache hit is fully re-hashed (at full hashing speed) before it is
    /// returned; a file that no longer hashes to its name is evicted and fetched again. Without it, a hit is checked
    /// by its size only (against the length recorded when it was verified), which catches truncation but not bit rot
    /// or an edit that keeps the size; <see cref="ImageCache.VerifyAllAsync"/> (<c>gvmi cache verify</c>) checks the whole cache.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RehashOnCacheHit { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether <c>file</c> URLs are fetched (copied and verified like a download).
    /// Off by default: a provider fetches what a requestor's task package names, and a local path there could make it
    /// copy its own files, read a device such as <c>/dev/zero</c> or block on a FIFO. Only http and https are fetched then.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowFileUrls { get; set; }

    /// <summary>Gets the default cache directory.</summary>
    public static string DefaultCacheDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "golem-vmimages");
}
