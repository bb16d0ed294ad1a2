using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Golem.VmImages.Http;
using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Fetching;

/// <summary>
/// Runs one attempt of a <see cref="ResumableDownload"/>: the request (redirects followed here, with their rules),
/// the response's validation, the overlapped transfer under the stall timer, and the digest check. A failure worth
/// another attempt is a <see cref="TransientFailure"/>, which the fetcher's resilience pipeline retries.
/// </summary>
internal sealed class ImageDownloader(ImageFetcherOptions options, Func<HttpClient> httpClient, ILogger logger, TimeProvider time, FetcherMetrics metrics)
{
    private int _writeBackHints;

    /// <summary>Gets or sets the distance, in bytes, between two write-back hints to the kernel; 0 turns them off (see <see cref="WriteBack"/>).</summary>
    public long WriteBackInterval { get; set; } = WriteBack.DefaultInterval;

    /// <summary>Gets or sets the most bytes written between two checks of the volume's free space (see <see cref="FreeSpaceGuard"/>).</summary>
    public long FreeSpaceCheckInterval { get; set; } = FreeSpaceGuard.DefaultCheckInterval;

    /// <summary>Gets the number of write-back hints given so far.</summary>
    public int WriteBackHints => Volatile.Read(ref _writeBackHints);

    /// <summary>One HTTP attempt: resumes from <see cref="ResumableDownload.Offset"/> and ends with the file verified, or throws.</summary>
    public async Task AttemptAsync(ResumableDownload d, IProgress<ImageFetchProgress>? progress, CancellationToken cancellationToken)
    {
        d.BeginAttempt();
        using var stall = new CancellationTokenSource(options.StallTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        var token = linked.Token;
        var observer = new AttemptObserver(d, stall, options.StallTimeout, StallWindowBytes(), metrics, progress, time);
        HttpResponseMessage? response = null;
        try
        {
            EnsureFreeSpace(d, d.Total);
            response = await SendAsync(d, token).ConfigureAwait(false);
            if (!AcceptResponse(d, response))
            {
                return;
            }

            progress?.Report(observer.Snapshot(ImageFetchPhase.Downloading));
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await TransferPipeline.CopyAsync(body, Context(d, observer, bindToTotal: d.State == PartialState.SpansResponses), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            FetcherLog.Stalled(logger, d.SafeUrl, d.Offset, options.StallTimeout);
            throw new TransientFailure(ErrorMessages.Stalled(d.Url, options.StallTimeout, options.MinimumBytesPerSecond, d.Offset), d.SafeUrl, d.Status, d.Attempt, ex);
        }
        catch (DiskWriteException ex)
        {
            if (IsResumable(d))
            {
                throw new ImageDownloadException(ex.Message, d.SafeUrl, d.Status, d.Attempt, ex);
            }

            var offset = d.Offset;
            d.RestartFromZero();
            throw new ImageDownloadException(ErrorMessages.DiskWriteFailedNothingToResume(offset, ex.InnerException!.Message), d.SafeUrl, d.Status, d.Attempt, ex);
        }
        catch (FreeSpaceReserveException ex)
        {
            throw BelowReserve(d, ex, keep: IsResumable(d));
        }
        catch (BodyOverrunException ex)
        {
            // A 206 that runs past its Content-Range is a bad partial response: nothing beyond the announced length
            // was written; start over from byte 0.
            FetcherLog.Restarting(logger, d.SafeUrl, d.Offset, ex.Message);
            d.RestartFromZero();
            throw new TransientFailure(ex.Message, d.SafeUrl, d.Status, d.Attempt, ex, retryImmediately: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            FetcherLog.TransferFailed(logger, d.SafeUrl, d.Offset, ex.Message);
            throw new TransientFailure(ErrorMessages.TransferFailed(d.Url, d.Offset, ex.Message), d.SafeUrl, d.Status, d.Attempt, ex);
        }
        finally
        {
            response?.Dispose();
            Interlocked.Add(ref _writeBackHints, observer.WriteBackHints);
        }

        CheckDigest(d, spliceSuspected: d.State == PartialState.SpansResponses);
    }

    /// <summary>Copies a local file (only when <see cref="ImageFetcherOptions.AllowFileUrls"/> let its URL through); one attempt, and a mismatch is final.</summary>
    public async Task CopyLocalFileAsync(ResumableDownload d, IProgress<ImageFetchProgress>? progress, CancellationToken cancellationToken)
    {
        d.BeginAttempt();
        d.RestartFromZero();
        FileStream source;
        try
        {
            source = FileSafety.OpenRead(d.Url.LocalPath, checkLink: false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new ImageDownloadException(ErrorMessages.LocalFileUnreadable(d.Url, ex.Message), d.SafeUrl, null, 1, ex);
        }

        await using (source.ConfigureAwait(false))
        {
            if (source.Length > options.MaxImageSize)
            {
                throw new ImageTooLargeException(d.SafeUrl, options.MaxImageSize, source.Length);
            }

            EnsureFreeSpace(d, source.Length);
            d.AcceptLocal(source.Length);
            using var unused = new CancellationTokenSource();
            var observer = new AttemptObserver(d, unused, Timeout.InfiniteTimeSpan, long.MaxValue, metrics, progress, time);
            try
            {
                await TransferPipeline.CopyAsync(source, Context(d, observer, bindToTotal: false), cancellationToken).ConfigureAwait(false);
            }
            catch (FreeSpaceReserveException ex)
            {
                // A local copy always starts from byte 0, so its partial is worth nothing.
                throw BelowReserve(d, ex, keep: false);
            }

            Interlocked.Add(ref _writeBackHints, observer.WriteBackHints);
        }

        CheckDigest(d, spliceSuspected: false);
    }

    private TransferContext Context(ResumableDownload d, AttemptObserver observer, bool bindToTotal) => new()
    {
        File = d.File.SafeFileHandle,
        Offset = d.Offset,
        Hasher = d.Hasher,
        MaxLength = options.MaxImageSize,

        // A 206 is bounded by its Content-Range total; a 200 by its Content-Length, which HttpClient enforces.
        AnnouncedLength = bindToTotal ? d.Total : null,
        Url = d.Url,
        BufferSize = options.BufferSize,
        WriteBackInterval = WriteBackInterval,
        FreeSpace = options.MinimumFreeDiskSpace > 0 ? new FreeSpaceGuard(Path.GetDirectoryName(d.Reservation.PartialPath)!, options.MinimumFreeDiskSpace, d.Offset, FreeSpaceCheckInterval) : null,
        Observer = observer,
    };

    /// <summary>
    /// Gets a value indicating whether a later run could resume the partial file: the server announced the whole
    /// length and gave a validator for <c>If-Range</c> (a strong ETag, or Last-Modified).
    /// </summary>
    private static bool IsResumable(ResumableDownload d) =>
        d.Total is not null && (d.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal) || d.LastModified is not null);

    /// <summary>The download stopped to keep the volume's reserve: keeps the partial file only when it can be resumed, else deletes it.</summary>
    private ImageDownloadException BelowReserve(ResumableDownload d, FreeSpaceReserveException ex, bool keep)
    {
        var offset = d.Offset;
        FetcherLog.TransferFailed(logger, d.SafeUrl, offset, ex.Message);
        if (!keep)
        {
            d.RestartFromZero();
        }

        return new ImageDownloadException(ErrorMessages.BelowFreeSpaceReserve(ex.Directory, ex.Available, ex.Reserve, offset, keep), d.SafeUrl, d.Status, d.Attempt, ex);
    }

    private long StallWindowBytes() =>
        Math.Max(1, (long)Math.Min(long.MaxValue / 2, options.MinimumBytesPerSecond * options.StallTimeout.TotalSeconds));

    /// <summary>Sends the request, following redirects itself: bounded hops, no HTTPS→HTTP unless allowed, credentials only to the original origin.</summary>
    private async Task<HttpResponseMessage> SendAsync(ResumableDownload d, CancellationToken cancellationToken)
    {
        var origin = d.Url;
        var uri = d.Url;
        var client = httpClient();
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, StripUserInfo(uri));
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (!string.IsNullOrEmpty(origin.UserInfo) && SameOrigin(origin, uri))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(origin.UserInfo))));
            }

            if (d.Offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(d.Offset, null);
                if (d.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal))
                {
                    request.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(etag));
                }
                else if (d.LastModified is { } lastModified)
                {
                    request.Headers.IfRange = new RangeConditionHeaderValue(lastModified);
                }
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            d.Status = response.StatusCode;
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is null)
            {
                return response;
            }

            var next = new Uri(uri, response.Headers.Location);
            response.Dispose();
            if (hop >= options.MaxRedirects)
            {
                throw new ImageDownloadException(ErrorMessages.TooManyRedirects(d.Url, options.MaxRedirects), d.SafeUrl, d.Status, d.Attempt, null);
            }

            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
            {
                throw new ImageDownloadException(ErrorMessages.RedirectScheme(uri, next), d.SafeUrl, d.Status, d.Attempt, null);
            }

            if (uri.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp && !options.AllowHttpsToHttpDowngrade)
            {
                throw new ImageDownloadException(ErrorMessages.RedirectDowngrade(uri, next), d.SafeUrl, d.Status, d.Attempt, null);
            }

            FetcherLog.Redirected(logger, UrlRedaction.Redact(uri), UrlRedaction.Redact(next));
            uri = next;
        }
    }

    /// <summary>Validates the status and headers; returns <see langword="false"/> when the attempt already finished (416 with a complete file).</summary>
    private bool AcceptResponse(ResumableDownload d, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        switch (status)
        {
            case 200:
                if (d.Offset > 0)
                {
                    // Range ignored or the If-Range validator no longer matches: never append, start over.
                    FetcherLog.Restarting(logger, d.SafeUrl, d.Offset, "the server answered 200 to a range request");
                    d.RestartFromZero();
                }

                break;
            case 206:
                var range = response.Content.Headers.ContentRange;
                var etag = response.Headers.ETag?.ToString();
                var problem = range is null || !range.HasRange || !range.HasLength ? "no usable Content-Range"
                    : range.From != d.Offset ? string.Create(CultureInfo.InvariantCulture, $"Content-Range starts at {range.From} instead of {d.Offset}")
                    : range.To != range.Length - 1 ? string.Create(CultureInfo.InvariantCulture, $"Content-Range ends at {range.To} before the end {range.Length - 1}")
                    : response.Content.Headers.ContentLength is { } partLength && partLength != range.To - range.From + 1 ? string.Create(CultureInfo.InvariantCulture, $"Content-Length {partLength} differs from the {range.To - range.From + 1} bytes of its Content-Range")
                    : d.Total is { } known && range.Length != known ? string.Create(CultureInfo.InvariantCulture, $"Content-Range total {range.Length} differs from the first response's {known}")
                    : d.ETag is not null && etag is not null && etag != d.ETag ? "the ETag changed"
                    : d.Offset == 0 ? "a range answered though none was asked"
                    : null;
                if (problem is not null)
                {
                    FetcherLog.Restarting(logger, d.SafeUrl, d.Offset, problem);
                    d.RestartFromZero();
                    throw new TransientFailure(ErrorMessages.BadPartialResponse(d.Url, problem), d.SafeUrl, response.StatusCode, d.Attempt, null, retryImmediately: true);
                }

                break;
            case 416 when d.Offset > 0:
                // The partial is as long as (or longer than) the remote: not success until its hash says so.
                FetcherLog.RangeNotSatisfiable(logger, d.SafeUrl, d.Offset);
                CheckDigest(d, spliceSuspected: true);
                return false;
            case 408 or 429 or >= 500:
                throw new TransientFailure(ErrorMessages.HttpStatus(d.Url, status, response.ReasonPhrase), d.SafeUrl, response.StatusCode, d.Attempt, null, RetryAfterOf(response));
            default:
                throw new ImageDownloadException(ErrorMessages.HttpStatus(d.Url, status, response.ReasonPhrase), d.SafeUrl, response.StatusCode, d.Attempt, null);
        }

        var encoding = response.Content.Headers.ContentEncoding;
        if (encoding.Count > 0 && !encoding.All(e => string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ImageDownloadException(ErrorMessages.ContentEncoded(d.Url, string.Join(", ", encoding)), d.SafeUrl, response.StatusCode, d.Attempt, null);
        }

        var total = status == 206 ? response.Content.Headers.ContentRange!.Length : response.Content.Headers.ContentLength;
        if (total is { } announced && announced > options.MaxImageSize)
        {
            throw new ImageTooLargeException(d.SafeUrl, options.MaxImageSize, announced);
        }

        d.Accept(replacesFile: status == 200, total, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);
        EnsureFreeSpace(d, d.Total);
        return true;
    }

    private void CheckDigest(ResumableDownload d, bool spliceSuspected)
    {
        var actual = d.Hasher.GetCurrentDigest();
        if (actual == d.Expected)
        {
            return;
        }

        metrics.VerifyFailed();
        if (spliceSuspected && !d.RestartedAfterSplice)
        {
            // A resumed file may splice two versions of the remote: discard it and download once more from 0.
            var length = d.Offset;
            FetcherLog.Restarting(logger, d.SafeUrl, length, "the resumed file did not hash to the expected digest");
            d.RestartAfterSplice();
            throw new TransientFailure(ErrorMessages.ResumedMismatch(d.Url, length), d.SafeUrl, d.Status, d.Attempt, null, restartAfterSplice: true);
        }

        var received = d.Offset;
        FetcherLog.Mismatch(logger, d.SafeUrl, d.Expected.ToString(), actual.ToString(), received);
        d.RestartFromZero();
        throw new ImageHashMismatchException(d.Expected, actual, d.SafeUrl, received, d.Attempt);
    }

    private void EnsureFreeSpace(ResumableDownload d, long? total)
    {
        if (options.MinimumFreeDiskSpace == 0 && total is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(d.Reservation.PartialPath)!;
        long available;
        try
        {
            available = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return;
        }

        var needed = Math.Max(0, (total ?? d.Offset) - d.Offset);
        if (available - needed < options.MinimumFreeDiskSpace)
        {
            var message = total is null
                ? ErrorMessages.NotEnoughDiskSpaceForUnknownLength(directory, available, options.MinimumFreeDiskSpace)
                : ErrorMessages.NotEnoughDiskSpace(directory, available, needed, options.MinimumFreeDiskSpace);
            throw new ImageDownloadException(message, d.SafeUrl, null, d.Attempt, new IOException(ErrorMessages.DiskFull(directory), hresult: 28 /* ENOSPC: a full disk, as .NET reports it on Unix */));
        }
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - (response.Headers.Date ?? time.GetUtcNow());
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static Uri StripUserInfo(Uri uri) =>
        string.IsNullOrEmpty(uri.UserInfo) ? uri : new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
}
