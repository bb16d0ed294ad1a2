using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Fetching;

/// <content>One HTTP attempt: resume request, status and header validation, the overlapped body transfer, and the digest check.</content>
public sealed partial class ImageFetcher
{
    private async Task AttemptAsync(Download d, CancellationToken cancellationToken)
    {
        d.Attempt++;
        d.AttemptStarted = _time.GetTimestamp();
        d.AttemptBytes = 0;
        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        d.Stall = stall;
        d.StallWindowBytes = 0;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        var token = linked.Token;
        HttpResponseMessage? response = null;
        try
        {
            EnsureFreeSpace(d, d.Total);
            response = await SendAsync(d, token).ConfigureAwait(false);
            if (!AcceptResponse(d, response))
            {
                return;
            }

            d.Progress?.Report(d.Snapshot(ImageFetchPhase.Downloading));
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                // A 206 is bounded by its Content-Range total; a 200 by its Content-Length, which HttpClient enforces.
                var announced = d.SpansResponses ? d.Total : null;
                d.Offset = await TransferPipeline.CopyAsync(body, d.File!.SafeFileHandle, d.Offset, d.Hasher, _options.MaxImageSize, announced, d.Url, _options.BufferSize, WriteBackInterval, d, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.Stalled(_logger, d.Url, d.Offset, _options.StallTimeout);
            throw new TransientFailure(ErrorMessages.Stalled(d.Url, _options.StallTimeout, _options.MinimumBytesPerSecond, d.Offset), d.Url, d.Status, d.Attempt, ex);
        }
        catch (DiskWriteException ex)
        {
            throw new ImageDownloadException(ex.Message, d.Url, d.Status, d.Attempt, ex);
        }
        catch (BodyOverrunException ex)
        {
            // A 206 that runs past its Content-Range is a bad partial response (faults.md 8, 10): nothing beyond the
            // announced length was written; start over from byte 0.
            Log.Restarting(_logger, d.Url, d.Offset, ex.Message);
            ResetToZero(d);
            throw new TransientFailure(ex.Message, d.Url, d.Status, d.Attempt, ex, retryImmediately: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            Log.TransferFailed(_logger, d.Url, d.Offset, ex.Message);
            throw new TransientFailure(ErrorMessages.TransferFailed(d.Url, d.Offset, ex.Message), d.Url, d.Status, d.Attempt, ex);
        }
        finally
        {
            response?.Dispose();
            d.Stall = null;
        }

        CheckDigest(d, fromRangeNotSatisfiable: false);
    }

    /// <summary>Sends the request, following redirects itself: bounded hops, no HTTPS→HTTP unless allowed, credentials only to the original origin.</summary>
    private async Task<HttpResponseMessage> SendAsync(Download d, CancellationToken cancellationToken)
    {
        var origin = d.Url;
        var uri = d.Url;
        var client = _httpClient();
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
            if (hop >= _options.MaxRedirects)
            {
                throw new ImageDownloadException(ErrorMessages.TooManyRedirects(d.Url, _options.MaxRedirects), d.Url, d.Status, d.Attempt, null);
            }

            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
            {
                throw new ImageDownloadException(ErrorMessages.RedirectScheme(uri, next), d.Url, d.Status, d.Attempt, null);
            }

            if (uri.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp && !_options.AllowHttpsToHttpDowngrade)
            {
                throw new ImageDownloadException(ErrorMessages.RedirectDowngrade(uri, next), d.Url, d.Status, d.Attempt, null);
            }

            Log.Redirected(_logger, uri, next);
            uri = next;
        }
    }

    /// <summary>Validates the status and headers; returns <see langword="false"/> when the attempt already finished (416 with a complete file).</summary>
    private bool AcceptResponse(Download d, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        switch (status)
        {
            case 200:
                if (d.Offset > 0)
                {
                    // Range ignored or the If-Range validator no longer matches: never append, start over (faults.md 7).
                    Log.Restarting(_logger, d.Url, d.Offset, "the server answered 200 to a range request");
                    ResetToZero(d);
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
                    Log.Restarting(_logger, d.Url, d.Offset, problem);
                    ResetToZero(d);
                    throw new TransientFailure(ErrorMessages.BadPartialResponse(d.Url, problem), d.Url, response.StatusCode, d.Attempt, null, retryImmediately: true);
                }

                d.SpansResponses = true;
                break;
            case 416 when d.Offset > 0:
                // The partial is as long as (or longer than) the remote: not success until its hash says so (faults.md 9).
                Log.RangeNotSatisfiable(_logger, d.Url, d.Offset);
                CheckDigest(d, fromRangeNotSatisfiable: true);
                return false;
            case 408 or 429 or >= 500:
                throw new TransientFailure(ErrorMessages.HttpStatus(d.Url, status, response.ReasonPhrase), d.Url, response.StatusCode, d.Attempt, null, RetryAfterOf(response));
            default:
                throw new ImageDownloadException(ErrorMessages.HttpStatus(d.Url, status, response.ReasonPhrase), d.Url, response.StatusCode, d.Attempt, null);
        }

        var encoding = response.Content.Headers.ContentEncoding;
        if (encoding.Count > 0 && !encoding.All(e => string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ImageDownloadException(ErrorMessages.ContentEncoded(d.Url, string.Join(", ", encoding)), d.Url, response.StatusCode, d.Attempt, null);
        }

        var total = status == 206 ? response.Content.Headers.ContentRange!.Length : response.Content.Headers.ContentLength;
        if (total is { } announced && announced > _options.MaxImageSize)
        {
            throw new ImageTooLargeException(d.Url, _options.MaxImageSize, announced);
        }

        if (status == 200 || d.Total is null)
        {
            d.Total = total;
        }

        d.ETag = response.Headers.ETag?.ToString() ?? (status == 200 ? null : d.ETag);
        d.LastModified = response.Content.Headers.LastModified ?? (status == 200 ? null : d.LastModified);
        EnsureFreeSpace(d, d.Total);
        new PartialMetadata(d.Url, d.ETag, d.LastModified, d.Total).Write(d.PartialPath);
        return true;
    }

    private void CheckDigest(Download d, bool fromRangeNotSatisfiable)
    {
        var actual = d.Hasher.GetCurrentDigest();
        if (actual == d.Expected)
        {
            return;
        }

        _metrics.VerifyFailed();
        if ((d.SpansResponses || fromRangeNotSatisfiable) && !d.RestartedAfterMismatch)
        {
            // A resumed file may splice two versions of the remote: discard it and download once more from 0 (faults.md 3, 9).
            d.RestartedAfterMismatch = true;
            var length = d.Offset;
            Log.Restarting(_logger, d.Url, length, "the resumed file did not hash to the expected digest");
            ResetToZero(d);
            throw new TransientFailure(ErrorMessages.ResumedMismatch(d.Url, length), d.Url, d.Status, d.Attempt, null, restartAfterMismatch: true);
        }

        var received = d.Offset;
        Log.Mismatch(_logger, d.Url, d.Expected.ToString(), actual.ToString(), received);
        ResetToZero(d);
        throw new ImageHashMismatchException(d.Expected, actual, d.Url, received);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - (response.Headers.Date ?? DateTimeOffset.UtcNow);
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static Uri StripUserInfo(Uri uri) =>
        string.IsNullOrEmpty(uri.UserInfo) ? uri : new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;

    /// <summary>The state of one URL's download across its attempts; also the transfer observer (stall timer, progress, metrics).</summary>
    private sealed class Download(Sha3Digest expected, Uri url, string partialPath, Sha3Hasher hasher, IProgress<ImageFetchProgress>? progress, TimeProvider time) : TransferPipeline.IObserver
    {
        private const long ProgressEvery = 4L << 20;
        private long _lastReported;

        public Sha3Digest Expected { get; } = expected;

        public Uri Url { get; } = url;

        public string PartialPath { get; } = partialPath;

        public Sha3Hasher Hasher { get; } = hasher;

        public IProgress<ImageFetchProgress>? Progress { get; } = progress;

        public FileStream? File { get; set; }

        public long Offset { get; set; }

        public long? Total { get; set; }

        public string? ETag { get; set; }

        public DateTimeOffset? LastModified { get; set; }

        public bool SpansResponses { get; set; }

        public bool RestartedAfterMismatch { get; set; }

        public int Attempt { get; set; }

        public HttpStatusCode? Status { get; set; }

        public long BytesTransferred { get; private set; }

        public long AttemptStarted { get; set; }

        public long AttemptBytes { get; set; }

        public CancellationTokenSource? Stall { get; set; }

        public long StallWindowBytes { get; set; }

        public long StallWindowTarget { get; set; } = 1;

        public TimeSpan StallTimeout { get; set; }

        public FetcherMetrics? Metrics { get; set; }

        public int WriteBackHints { get; private set; }

        public void OnRead(int count)
        {
            BytesTransferred += count;
            AttemptBytes += count;
            Metrics?.Downloaded(count);
            StallWindowBytes += count;
            if (StallWindowBytes >= StallWindowTarget)
            {
                StallWindowBytes = 0;
                try
                {
                    Stall?.CancelAfter(StallTimeout);
                }
                catch (ObjectDisposedException)
                {
                    // The attempt is over.
                }
            }
        }

        public void OnCommitted(long offset)
        {
            // The file and the hasher now both cover [0, offset): a failed attempt resumes from here.
            Offset = offset;
            if (Progress is not null && offset - _lastReported >= ProgressEvery)
            {
                _lastReported = offset;
                Progress.Report(new ImageFetchProgress(offset, Total, Rate(), Attempt, ImageFetchPhase.Downloading, Url));
            }
        }

        public void OnWriteBackHints(int hints) => WriteBackHints += hints;

        public ImageFetchProgress Snapshot(ImageFetchPhase phase) => new(Offset, Total, Rate(), Attempt, phase, Url);

        private double Rate()
        {
            var seconds = time.GetElapsedTime(AttemptStarted).TotalSeconds;
            return seconds > 0 ? AttemptBytes / seconds : 0;
        }
    }
}
