using System.Diagnostics.Metrics;
using Golem.VmImages.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Golem.VmImages.Fetching;

/// <summary>
/// The <see cref="IImageFetcher"/>: one verified, resumable, retrying download per digest at a time, in this process
/// (concurrent callers share one task) and across processes (an OS file lock per digest).
/// </summary>
/// <remarks>
/// Each URL is tried through a Polly <see cref="ResiliencePipeline"/>: transient failures (connection errors, stalls,
/// 408, 429 and 5xx) are retried with exponential backoff and jitter, honouring <c>Retry-After</c> up to a cap; each
/// attempt resumes from the bytes already verified-in-progress with <c>Range</c> and <c>If-Range</c>. Permanent
/// failures (other 4xx, a digest mismatch, an oversize or encoded body) move on to the next URL at once.
/// </remarks>
public sealed partial class ImageFetcher : IImageFetcher, IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> the fetcher uses when registered with dependency injection.</summary>
    public const string HttpClientName = "Golem.VmImages.Fetcher";

    private readonly ImageFetcherOptions _options;
    private int _writeBackHints;
    private readonly Func<HttpClient> _httpClient;
    private readonly HttpClient? _ownedClient;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FetcherMetrics _metrics;
    private readonly ResiliencePipeline _pipeline;
    private readonly Dictionary<string, SharedFetch> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance with default options, its own <see cref="HttpClient"/> and the default cache directory.</summary>
    public ImageFetcher()
        : this(new ImageFetcherOptions())
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="httpClient">
    /// The client, or <see langword="null"/> for one made by <see cref="CreateHttpHandler"/>. A supplied client should
    /// not follow redirects itself (the fetcher does, refusing HTTPS→HTTP) nor decompress, and should have no <see cref="HttpClient.Timeout"/>.
    /// </param>
    /// <param name="cache">The cache, or <see langword="null"/> for one at <see cref="ImageFetcherOptions.CacheDirectory"/>.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timeouts and delays, or <see langword="null"/> for the system clock.</param>
    /// <param name="meterFactory">The meter factory, or <see langword="null"/> for a private meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ImageFetcher(
        ImageFetcherOptions options,
        HttpClient? httpClient = null,
        ImageCache? cache = null,
        ILogger<ImageFetcher>? logger = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
        : this(options, httpClient is null ? null : () => httpClient, cache, logger, timeProvider, meterFactory)
    {
    }

    internal ImageFetcher(
        ImageFetcherOptions options,
        Func<HttpClient>? httpClientFactory,
        ImageCache? cache,
        ILogger? logger,
        TimeProvider? timeProvider,
        IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ImageFetcherOptionsValidator.Collect(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _options = options;
        if (httpClientFactory is null)
        {
            _ownedClient = Http.GolemUserAgent.Apply(new HttpClient(CreateHttpHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });
            var owned = _ownedClient;
            httpClientFactory = () => owned;
        }

        _httpClient = httpClientFactory;
        Cache = cache ?? new ImageCache(options.CacheDirectory);
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new FetcherMetrics(meterFactory);
        _pipeline = BuildPipeline();
    }

    /// <inheritdoc/>
    public ImageCache Cache { get; }

    /// <summary>
    /// Creates the handler the fetcher's own client uses: no automatic decompression (a <c>Content-Encoding</c> is an
    /// error, faults.md 12), no automatic redirects (the fetcher follows them itself), bounded connect time, and
    /// pooled connections recycled every few minutes so DNS changes are seen.
    /// </summary>
    /// <returns>A new handler.</returns>
    public static SocketsHttpHandler CreateHttpHandler() => new()
    {
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        UseCookies = false,
    };

    /// <inheritdoc/>
    public Task<FetchedImage> FetchAsync(Sha3Digest expected, IReadOnlyList<Uri> urls, ImageFetchOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (expected.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.ExpectedDigestIsDefault, nameof(expected));
        }

        ArgumentNullException.ThrowIfNull(urls);
        if (urls.Count == 0)
        {
            throw new ArgumentException(ErrorMessages.NoUrls, nameof(urls));
        }

        for (var i = 0; i < urls.Count; i++)
        {
            ValidateUrl(urls[i], i);
        }

        string? destination = null;
        if (options?.DestinationPath is { } requested)
        {
            if (string.IsNullOrWhiteSpace(requested))
            {
                throw new ArgumentException(ErrorMessages.DestinationEmpty, nameof(options));
            }

            destination = Path.GetFullPath(requested);
        }

        return FetchCoreAsync(expected, [.. urls], options?.Progress, destination, cancellationToken);
    }

    /// <summary>Disposes the <see cref="HttpClient"/> the fetcher created for itself, if any.</summary>
    public void Dispose()
    {
        _ownedClient?.Dispose();
        _metrics.Dispose();
    }

    private static void ValidateUrl(Uri? urls, int index)
    {
        // The parameter is named after the list it comes from, so the exception names the caller's argument.
        if (urls is null)
        {
            throw new ArgumentException(ErrorMessages.UrlNull(index), nameof(urls));
        }

        if (!urls.IsAbsoluteUri)
        {
            throw new ArgumentException(ErrorMessages.UrlRelative(urls), nameof(urls));
        }

        if (urls.Scheme != Uri.UriSchemeHttp && urls.Scheme != Uri.UriSchemeHttps && urls.Scheme != Uri.UriSchemeFile)
        {
            throw new ArgumentException(ErrorMessages.UrlScheme(urls), nameof(urls));
        }
    }

    private async Task<FetchedImage> FetchCoreAsync(Sha3Digest expected, Uri[] urls, IProgress<ImageFetchProgress>? progress, string? destination, CancellationToken cancellationToken)
    {
        var key = destination ?? Cache.GetImagePath(expected);
        SharedFetch shared;
        lock (_gate)
        {
            if (!_inFlight.TryGetValue(key, out shared!))
            {
                shared = new SharedFetch();
                _inFlight.Add(key, shared);
                var token = shared.Cancellation.Token;
                var entry = shared;
                shared.Task = Task.Run(() => RunFetchAsync(expected, urls, progress, destination, token), CancellationToken.None);
                _ = shared.Task.ContinueWith(
                    _ =>
                    {
                        lock (_gate)
                        {
                            _inFlight.Remove(key);
                        }

                        entry.Cancellation.Dispose();
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            else
            {
                Log.JoinedInFlight(_logger, key);
            }

            shared.Waiters++;
        }

        var last = false;
        try
        {
            return await shared.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                shared.Waiters--;
                if (shared.Waiters == 0 && !shared.Task.IsCompleted)
                {
                    // The last caller gave up: stop the download, leaving its partial file resumable.
                    shared.Cancellation.Cancel();
                    last = true;
                }
            }

            if (last)
            {
                await ((Task)shared.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<FetchedImage> RunFetchAsync(Sha3Digest expected, Uri[] urls, IProgress<ImageFetchProgress>? progress, string? destination, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        if (destination is null && await TryCacheHitAsync(expected, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            return Hit(hit, started, progress);
        }

        using var deadline = new CancellationTokenSource(_options.OverallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked.Token;
        try
        {
            Cache.EnsureDirectories(expected);
            progress?.Report(new ImageFetchProgress(0, null, 0, 0, ImageFetchPhase.Resolving, null));
            var lockStream = await Cache.AcquireLockAsync(expected, token).ConfigureAwait(false);
            await using (lockStream.ConfigureAwait(false))
            {
                if (destination is null && await TryCacheHitAsync(expected, token).ConfigureAwait(false) is { } later)
                {
                    return Hit(later, started, progress);
                }

                if (destination is not null && FileSafety.Exists(destination))
                {
                    throw new IOException(ErrorMessages.DestinationExists(destination));
                }

                var failures = new List<Exception>();
                foreach (var url in urls)
                {
                    try
                    {
                        var image = await FetchFromUrlAsync(expected, url, progress, destination, started, token).ConfigureAwait(false);
                        _metrics.Fetched("downloaded");
                        if (destination is null && _options.MaxCacheSize > 0)
                        {
                            // This image's lock is held, so eviction never takes the image just fetched.
                            Cache.Prune(_options.MaxCacheSize);
                        }

                        return image;
                    }
                    catch (Exception ex) when (ex is ImageDownloadException or ImageHashMismatchException && !token.IsCancellationRequested)
                    {
                        Log.UrlFailed(_logger, url, ex.Message);
                        failures.Add(ex);
                    }
                }

                _metrics.Fetched(failures.TrueForAll(f => f is ImageHashMismatchException) ? "mismatch" : "failed");
                if (failures.Count == 1)
                {
                    throw failures[0];
                }

                throw new ImageDownloadException(ErrorMessages.AllUrlsFailed(expected, urls, failures), null, null, failures.Sum(AttemptsOf), new AggregateException(failures))
                {
                    UrlFailures = failures,
                };
            }
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _metrics.Fetched("timeout");
            throw new ImageDownloadException(ErrorMessages.DeadlineExceeded(expected, _options.OverallTimeout), urls[0], null, 0, new TimeoutException(ex.Message, ex));
        }
        catch (OperationCanceledException)
        {
            _metrics.Fetched("cancelled");
            throw;
        }
    }

    private static int AttemptsOf(Exception ex) => ex is ImageDownloadException d ? d.Attempts : 1;

    private FetchedImage Hit(CachedImage image, long started, IProgress<ImageFetchProgress>? progress)
    {
        _metrics.CacheHit();
        _metrics.Fetched("cached");
        Log.CacheHit(_logger, image.Digest.ToString(), image.Path);
        progress?.Report(new ImageFetchProgress(image.Length, image.Length, 0, 0, ImageFetchPhase.Cached, null));
        return new FetchedImage(image.Path, image.Digest, image.Length, FromCache: true, 0, _time.GetElapsedTime(started), 0, null);
    }

    private async ValueTask<CachedImage?> TryCacheHitAsync(Sha3Digest expected, CancellationToken cancellationToken)
    {
        var image = Cache.Lookup(expected, out var rejected);
        if (image is null)
        {
            if (rejected)
            {
                _metrics.VerifyFailed();
            }

            return null;
        }

        if (_options.RehashOnCacheHit && !await Cache.VerifyCoreAsync(expected, cancellationToken).ConfigureAwait(false))
        {
            Log.CacheEntryCorrupt(_logger, expected.ToString(), image.Path);
            _metrics.VerifyFailed();
            return null;
        }

        return image;
    }

    private ResiliencePipeline BuildPipeline() =>
        _options.MaxAttempts <= 1
            ? ResiliencePipeline.Empty // Polly's retry needs at least one retry; one attempt means no retry strategy at all.
            : new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BackoffBase,
                MaxDelay = _options.BackoffCap,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ImageDownloadException { IsTransient: true }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception switch
                {
                    TransientFailure { RetryImmediately: true } => TimeSpan.Zero,
                    ImageDownloadException { RetryAfter: { } retryAfter } => retryAfter > _options.RetryAfterCap ? _options.RetryAfterCap : retryAfter,
                    _ => (TimeSpan?)null,
                }),
                OnRetry = args =>
                {
                    _metrics.Retried();
                    Log.Retrying(_logger, args.AttemptNumber + 2, _options.MaxAttempts, args.RetryDelay, args.Outcome.Exception?.Message ?? string.Empty);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private async Task<FetchedImage> FetchFromUrlAsync(Sha3Digest expected, Uri url, IProgress<ImageFetchProgress>? progress, string? destination, long started, CancellationToken cancellationToken)
    {
        var finalPath = destination ?? Cache.GetImagePath(expected);
        var partialPath = destination is null
            ? Cache.GetPartialPath(expected)
            : Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + ".partial");
        var download = new Download(expected, url, partialPath, Sha3Hasher.Create(expected.BitLength), progress, _time)
        {
            StallTimeout = _options.StallTimeout,
            StallWindowTarget = Math.Max(1, (long)Math.Min(long.MaxValue / 2, _options.MinimumBytesPerSecond * _options.StallTimeout.TotalSeconds)),
            Metrics = _metrics,
        };
        try
        {
            await OpenPartialAsync(download, cancellationToken).ConfigureAwait(false);
            if (url.IsFile)
            {
                await CopyLocalFileAsync(download, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    await RunAttemptsAsync(download, cancellationToken).ConfigureAwait(false);
                }
                catch (TransientFailure ex) when (ex.RestartAfterMismatch && download.Offset == 0)
                {
                    // The attempt budget ran out on the attempt that found the resumed file spliced; the one restart
                    // from byte 0 is owed all the same (at most once: RestartedAfterMismatch is set), within the deadline.
                    await RunAttemptsAsync(download, cancellationToken).ConfigureAwait(false);
                }
            }

            progress?.Report(download.Snapshot(ImageFetchPhase.Verifying));
            Interlocked.Add(ref _writeBackHints, download.WriteBackHints);
            var length = download.Offset;
            download.File!.Flush(flushToDisk: true);
            await download.File.DisposeAsync().ConfigureAwait(false);
            download.File = null;
            FileSafety.MakeReadOnly(partialPath);
            if (destination is null)
            {
                // The length record goes first: another process's size check (faults.md 5, 21), which runs before it
                // takes the lock, must never see the new image without its record and evict it as corrupt.
                ImageCache.RecordLength(finalPath, length);
            }

            FileSafety.MoveNoReplace(partialPath, finalPath);
            AfterPublishForTesting?.Invoke(finalPath);
            PartialMetadata.Delete(partialPath);
            if (destination is null)
            {
                ImageCache.Touch(finalPath, DateTime.UtcNow);
            }

            Log.Verified(_logger, expected.ToString(), url, length, download.Attempt);
            return new FetchedImage(finalPath, expected, length, FromCache: false, download.BytesTransferred, _time.GetElapsedTime(started), download.Attempt, url);
        }
        catch (ImageTooLargeException)
        {
            // An oversize body is never resumed: drop what was received.
            if (download.File is not null)
            {
                ResetToZero(download);
            }

            throw;
        }
        catch (TransientFailure ex)
        {
            // Attempts exhausted: report the last failure as the public type.
            throw new ImageDownloadException(ex.Message, ex.Url, ex.StatusCode, download.Attempt, ex.InnerException)
            {
                IsTransient = true,
                RetryAfter = ex.RetryAfter,
            };
        }
        catch (ImageDownloadException ex)
        {
            ex.Attempts = Math.Max(ex.Attempts, download.Attempt);
            throw;
        }
        finally
        {
            if (download.File is not null)
            {
                await download.File.DisposeAsync().ConfigureAwait(false);
                if (download.Offset == 0)
                {
                    // Nothing worth resuming (a refused request, a mismatch): leave no temp file behind.
                    FileSafety.DeleteIfExists(partialPath);
                    PartialMetadata.Delete(partialPath);
                }
            }
        }
    }

    /// <summary>Gets or sets a test hook called right after a verified file appeared under its final name.</summary>
    internal Action<string>? AfterPublishForTesting { get; set; }

    /// <summary>Gets or sets the distance, in bytes, between two write-back hints to the kernel; 0 turns them off (see <see cref="WriteBack"/>).</summary>
    internal long WriteBackInterval { get; set; } = WriteBack.DefaultInterval;

    /// <summary>Gets the number of write-back hints given by the fetches of this instance so far (a test hook).</summary>
    internal int WriteBackHintsForTesting => Volatile.Read(ref _writeBackHints);

    private Task RunAttemptsAsync(Download download, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(static async (state, token) => await state.Fetcher.AttemptAsync(state.Download, token).ConfigureAwait(false), (Fetcher: this, Download: download), cancellationToken).AsTask();

    private async Task CopyLocalFileAsync(Download download, CancellationToken cancellationToken)
    {
        download.Attempt = 1;
        download.AttemptStarted = _time.GetTimestamp();
        ResetToZero(download);
        var path = download.Url.LocalPath;
        FileStream source;
        try
        {
            source = FileSafety.OpenRead(path, checkLink: false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new ImageDownloadException(ErrorMessages.LocalFileUnreadable(download.Url, ex.Message), download.Url, null, 1, ex);
        }

        await using (source.ConfigureAwait(false))
        {
            if (source.Length > _options.MaxImageSize)
            {
                throw new ImageTooLargeException(download.Url, _options.MaxImageSize, source.Length);
            }

            EnsureFreeSpace(download, source.Length);
            download.Total = source.Length;
            download.Offset = await TransferPipeline.CopyAsync(source, download.File!.SafeFileHandle, 0, download.Hasher, _options.MaxImageSize, null, download.Url, _options.BufferSize, WriteBackInterval, download, cancellationToken).ConfigureAwait(false);
        }

        // A local copy never spans responses, so a mismatch is final (faults.md 2).
        CheckDigest(download, fromRangeNotSatisfiable: false);
    }

    private void EnsureFreeSpace(Download download, long? total)
    {
        if (_options.MinimumFreeDiskSpace == 0 && total is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(download.PartialPath)!;
        long available;
        try
        {
            available = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return;
        }

        var needed = Math.Max(0, (total ?? download.Offset) - download.Offset);
        if (available - needed < _options.MinimumFreeDiskSpace)
        {
            throw new ImageDownloadException(ErrorMessages.NotEnoughDiskSpace(directory, available, needed, _options.MinimumFreeDiskSpace), download.Url, null, download.Attempt, new IOException(ErrorMessages.DiskFull(directory)));
        }
    }

    /// <summary>Opens the digest's partial file: resumes it when it came from this URL (re-hashing its prefix from disk), else starts afresh.</summary>
    private async Task OpenPartialAsync(Download download, CancellationToken cancellationToken)
    {
        var path = download.PartialPath;
        var metadata = PartialMetadata.TryRead(path);
        var exists = FileSafety.Exists(path);
        if (exists && metadata is not null && metadata.Url == download.Url && !download.Url.IsFile)
        {
            download.File = FileSafety.OpenExisting(path);
            download.Progress?.Report(download.Snapshot(ImageFetchPhase.Resolving));
            var length = download.File.Length;
            download.Offset = await StreamHashing.AppendFileRangeAsync(download.Hasher, download.File.SafeFileHandle, length, progress: null, _options.BufferSize, cancellationToken).ConfigureAwait(false);
            download.ETag = metadata.ETag;
            download.LastModified = metadata.LastModified;
            download.Total = metadata.TotalLength;
            download.SpansResponses = download.Offset > 0;
            Log.ResumingPartial(_logger, download.Url, download.Offset);
            return;
        }

        if (exists)
        {
            FileSafety.EnsureNotLink(path);
            FileSafety.DeleteIfExists(path);
            PartialMetadata.Delete(path);
        }

        download.File = FileSafety.CreateExclusive(path);
    }

    private static void ResetToZero(Download download)
    {
        download.Hasher.Reset();
        download.File!.SetLength(0);
        download.Offset = 0;
        download.SpansResponses = false;
        download.ETag = null;
        download.LastModified = null;
        download.Total = null;
        PartialMetadata.Delete(download.PartialPath);
    }

    private sealed class SharedFetch
    {
        public CancellationTokenSource Cancellation { get; } = new();

        public Task<FetchedImage> Task { get; set; } = null!;

        public int Waiters { get; set; }
    }
}
