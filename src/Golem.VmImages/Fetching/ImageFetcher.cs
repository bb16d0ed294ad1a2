using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using Golem.VmImages.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Golem.VmImages.Fetching;

/// <summary>
/// The <see cref="IImageFetcher"/>: one verified, resumable, retrying download per (digest, destination) at a time,
/// in this process (concurrent callers asking for the same image at the same place share one task) and across
/// processes (an OS file lock per destination).
/// </summary>
/// <remarks>
/// The path of one fetch: a cache hit is returned after its size check. Otherwise the fetcher reserves the image's
/// place (<see cref="ImageCache"/>, or a destination file) under its lock, and tries each URL in a Polly
/// <see cref="ResiliencePipeline"/>: transient failures (connection errors, stalls, 408, 429 and 5xx) are retried
/// with exponential backoff and jitter, honouring <c>Retry-After</c> up to a cap; each attempt resumes the partial
/// file with <c>Range</c> and <c>If-Range</c>, and a resumed file that does not verify is downloaded once more from
/// byte 0. Permanent failures (other 4xx, a digest mismatch, an oversize or encoded body) move on to the next URL at
/// once. The verified file is committed to its place by the reservation: nothing unverified ever gets a final name.
/// </remarks>
public sealed class ImageFetcher : IImageFetcher, IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> the fetcher uses when registered with dependency injection.</summary>
    public const string HttpClientName = "Golem.VmImages.Fetcher";

    private readonly ImageFetcherOptions _options;
    private readonly HttpClient? _ownedClient;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FetcherMetrics _metrics;
    private readonly ImageDownloader _downloader;
    private readonly ResiliencePipeline _pipeline;
    private readonly Dictionary<(Sha3Digest Digest, string Path), SharedFetch> _inFlight = [];
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance with default options, its own <see cref="HttpClient"/> and the default cache directory.</summary>
    public ImageFetcher()
        : this(new ImageFetcherOptions())
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; validated here exactly as <see cref="ImageFetcherOptionsValidator"/> validates them at start-up.</param>
    /// <param name="httpClient">
    /// The client, or <see langword="null"/> for one made by <see cref="CreateHttpHandler"/>. A supplied client should
    /// not follow redirects itself (the fetcher does, refusing HTTPS→HTTP) nor decompress, and should have no <see cref="HttpClient.Timeout"/>.
    /// </param>
    /// <param name="cache">The cache, or <see langword="null"/> for one at <see cref="ImageFetcherOptions.CacheDirectory"/>.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timeouts and delays, or <see langword="null"/> for the system clock.</param>
    /// <param name="meterFactory">The meter factory, or <see langword="null"/> for a private meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message names each bad value once, with the valid range.</exception>
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

        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        Cache = cache ?? new ImageCache(options.CacheDirectory, _time);
        _metrics = new FetcherMetrics(meterFactory);
        _downloader = new ImageDownloader(options, httpClientFactory, _logger, _time, _metrics);
        _pipeline = FetchResilience.Build(options, _time, _logger, _metrics);
    }

    /// <inheritdoc/>
    public ImageCache Cache { get; }

    /// <summary>Gets or sets a test hook called right after a verified file appeared under its final name.</summary>
    internal Action<string>? AfterPublishForTesting { get; set; }

    /// <summary>Gets or sets the distance, in bytes, between two write-back hints to the kernel; 0 turns them off (see <see cref="WriteBack"/>).</summary>
    internal long WriteBackInterval
    {
        get => _downloader.WriteBackInterval;
        set => _downloader.WriteBackInterval = value;
    }

    /// <summary>Gets the number of write-back hints given by the fetches of this instance so far (a test hook).</summary>
    internal int WriteBackHintsForTesting => _downloader.WriteBackHints;

    /// <summary>
    /// Creates the handler the fetcher's own client uses: no automatic decompression (a <c>Content-Encoding</c> is an
    /// error), no automatic redirects (the fetcher follows them itself), bounded connect time, and pooled connections
    /// recycled every few minutes so DNS changes are seen.
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
    public Task<FetchedImage> FetchAsync(Sha3Digest expected, IReadOnlyList<Uri> urls, ImageFetchRequest? request = null, CancellationToken cancellationToken = default)
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
            ValidateUrl(urls[i], i, _options.AllowFileUrls);
        }

        string? destination = null;
        if (request?.DestinationPath is { } requested)
        {
            if (string.IsNullOrWhiteSpace(requested))
            {
                throw new ArgumentException(ErrorMessages.DestinationEmpty, nameof(request));
            }

            destination = Path.GetFullPath(requested);
            DestinationReservation.EnsureUsable(destination);
        }

        return FetchCoreAsync(expected, [.. urls], request?.Progress, destination, cancellationToken);
    }

    /// <summary>Disposes the <see cref="HttpClient"/> the fetcher created for itself, if any.</summary>
    public void Dispose()
    {
        _ownedClient?.Dispose();
        _metrics.Dispose();
    }

    private static void ValidateUrl(Uri? urls, int index, bool fileAllowed)
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

        if (urls.Scheme != Uri.UriSchemeHttp && urls.Scheme != Uri.UriSchemeHttps && !(fileAllowed && urls.Scheme == Uri.UriSchemeFile))
        {
            throw new ArgumentException(ErrorMessages.UrlScheme(urls, fileAllowed), nameof(urls));
        }
    }

    /// <summary>Joins a fetch of the same digest to the same place already running in this process, or starts one; the last caller to give up cancels it.</summary>
    private async Task<FetchedImage> FetchCoreAsync(Sha3Digest expected, Uri[] urls, IProgress<ImageFetchProgress>? progress, string? destination, CancellationToken cancellationToken)
    {
        var key = (expected, destination ?? Cache.GetImagePath(expected));
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
                FetcherLog.JoinedInFlight(_logger, expected.ToString(), key.Item2);
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
            return Hit(hit.Path, expected, hit.Length, started, progress);
        }

        using var deadline = new CancellationTokenSource(_options.OverallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked.Token;
        var tried = new List<Uri>(urls.Length);
        try
        {
            progress?.Report(new ImageFetchProgress(0, null, 0, 0, ImageFetchPhase.Resolving, null));
            using var reservation = destination is null
                ? await Cache.ReserveAsync(expected, _options.RehashOnCacheHit, token).ConfigureAwait(false)
                : await DestinationReservation.ReserveAsync(destination, expected, _time, token).ConfigureAwait(false);
            if (await reservation.FindExistingAsync(token).ConfigureAwait(false) is { } length)
            {
                // Another fetch (here or in another process) finished this image while this one waited for the lock.
                return Hit(reservation.FinalPath, expected, length, started, progress);
            }

            reservation.AfterPublishForTesting = AfterPublishForTesting;
            var failures = new List<Exception>();
            foreach (var url in urls)
            {
                tried.Add(url);
                try
                {
                    var image = await DownloadAsync(reservation, url, progress, started, token).ConfigureAwait(false);
                    _metrics.Fetched("downloaded");
                    if (destination is null && _options.MaxCacheSize > 0)
                    {
                        // This image's lock is held, so eviction never takes the image just fetched.
                        Cache.Prune(_options.MaxCacheSize);
                    }

                    return image;
                }
                catch (ImageDownloadException ex) when (!token.IsCancellationRequested)
                {
                    FetcherLog.UrlFailed(_logger, UrlRedaction.ToSafeUri(url), ex.Message);
                    failures.Add(ex);
                }
            }

            _metrics.Fetched(failures.TrueForAll(f => f is ImageHashMismatchException) ? "mismatch" : "failed");
            if (failures.Count == 1)
            {
                // The one failure as it was thrown, its stack included.
                ExceptionDispatchInfo.Throw(failures[0]);
            }

            throw new ImageDownloadException(ErrorMessages.AllUrlsFailed(expected, urls, failures), null, null, failures.Sum(AttemptsOf), new AggregateException(failures))
            {
                UrlFailures = failures,
            };
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _metrics.Fetched("timeout");
            var last = tried.Count > 0 ? tried[^1] : urls[0];
            throw new ImageDownloadException(ErrorMessages.DeadlineExceeded(expected, _options.OverallTimeout, tried.Count > 0 ? tried : urls), UrlRedaction.ToSafeUri(last), null, 0, new TimeoutException(ex.Message, ex));
        }
        catch (OperationCanceledException)
        {
            _metrics.Fetched("cancelled");
            throw;
        }
    }

    /// <summary>Downloads from one URL into the reservation's partial file through the resilience pipeline, then commits the verified file.</summary>
    private async Task<FetchedImage> DownloadAsync(ImageReservation reservation, Uri url, IProgress<ImageFetchProgress>? progress, long started, CancellationToken cancellationToken)
    {
        progress?.Report(new ImageFetchProgress(0, null, 0, 0, ImageFetchPhase.Resolving, UrlRedaction.ToSafeUri(url)));
        var download = await ResumableDownload.OpenAsync(reservation, url, _options.BufferSize, cancellationToken).ConfigureAwait(false);
        await using (download.ConfigureAwait(false))
        {
            if (download.Offset > 0)
            {
                FetcherLog.ResumingPartial(_logger, download.SafeUrl, download.Offset);
            }

            try
            {
                if (url.IsFile)
                {
                    await _downloader.CopyLocalFileAsync(download, progress, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _pipeline.ExecuteAsync(
                        static (state, token) => new ValueTask(state.Downloader.AttemptAsync(state.Download, state.Progress, token)),
                        (Downloader: _downloader, Download: download, Progress: progress),
                        cancellationToken).ConfigureAwait(false);
                }

                progress?.Report(download.Snapshot(ImageFetchPhase.Verifying, 0));
                var length = download.Offset;
                await download.CloseAsync().ConfigureAwait(false);
                reservation.Commit(length);
                FetcherLog.Verified(_logger, reservation.Digest.ToString(), download.SafeUrl, length, download.Attempt);
                return new FetchedImage(reservation.FinalPath, reservation.Digest, length, FromCache: false, download.BytesTransferred, _time.GetElapsedTime(started), download.Attempt, download.SafeUrl);
            }
            catch (ImageTooLargeException)
            {
                // An oversize body is never resumed: drop what was received.
                download.RestartFromZero();
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
        }
    }

    private static int AttemptsOf(Exception ex) => ex is ImageDownloadException d ? d.Attempts : 1;

    private FetchedImage Hit(string path, Sha3Digest digest, long length, long started, IProgress<ImageFetchProgress>? progress)
    {
        _metrics.CacheHit();
        _metrics.Fetched("cached");
        FetcherLog.CacheHit(_logger, digest.ToString(), path);
        progress?.Report(new ImageFetchProgress(length, length, 0, 0, ImageFetchPhase.Cached, null));
        return new FetchedImage(path, digest, length, FromCache: true, 0, _time.GetElapsedTime(started), 0, null);
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

        if (_options.RehashOnCacheHit && !await Cache.VerifyAsync(expected, cancellationToken).ConfigureAwait(false))
        {
            FetcherLog.CacheEntryCorrupt(_logger, expected.ToString(), image.Path);
            _metrics.VerifyFailed();
            return null;
        }

        return image;
    }

    private sealed class SharedFetch
    {
        public CancellationTokenSource Cancellation { get; } = new();

        public Task<FetchedImage> Task { get; set; } = null!;

        public int Waiters { get; set; }
    }
}
