using System.Net;
using System.Net.Http.Headers;
using Golem.VmImages.Http;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Checks a published image as a provider downloads it: anonymously, with a HEAD that must answer 200 with the
/// image's length and <c>Accept-Ranges: bytes</c>, then a range request for the last bytes that must return them.
/// </summary>
internal static class PublicUrlCheck
{
    private const int TailSize = 4096;

    public static async Task RunAsync(HttpClient httpClient, Uri url, string path, long length, CancellationToken cancellationToken)
    {
        var shown = UrlRedaction.Redact(url);
        try
        {
            using (var head = WithUserAgent(httpClient, new HttpRequestMessage(HttpMethod.Head, url)))
            using (var response = await httpClient.SendAsync(head, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new ImageNotPubliclyReadableException(ErrorMessages.NotPublicStatus(shown, response.StatusCode)) { Url = url, StatusCode = response.StatusCode };
                }

                if (response.Content.Headers.ContentLength != length)
                {
                    throw new ImageNotPubliclyReadableException(ErrorMessages.NotPublicLength(shown, response.Content.Headers.ContentLength, length)) { Url = url };
                }

                if (!response.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase))
                {
                    throw new ImageNotPubliclyReadableException(ErrorMessages.NoAcceptRanges(shown)) { Url = url };
                }
            }

            var count = (int)Math.Min(length, TailSize);
            if (count == 0)
            {
                return;
            }

            using var get = WithUserAgent(httpClient, new HttpRequestMessage(HttpMethod.Get, url));
            get.Headers.Range = new RangeHeaderValue(length - count, length - 1);
            using var ranged = await httpClient.SendAsync(get, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (ranged.StatusCode != HttpStatusCode.PartialContent)
            {
                throw new ImageNotPubliclyReadableException(ErrorMessages.NotPublicRange(shown, ranged.StatusCode)) { Url = url, StatusCode = ranged.StatusCode };
            }

            var served = await ranged.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var expected = new byte[count];
            var file = File.OpenRead(path);
            await using (file.ConfigureAwait(false))
            {
                file.Seek(length - count, SeekOrigin.Begin);
                await file.ReadExactlyAsync(expected, cancellationToken).ConfigureAwait(false);
            }

            if (!served.AsSpan().SequenceEqual(expected))
            {
                throw new ImageNotPubliclyReadableException(ErrorMessages.NotPublicContent(shown, count)) { Url = url };
            }
        }
        catch (HttpRequestException ex)
        {
            throw new ImageNotPubliclyReadableException(ErrorMessages.NotPublicUnreachable(shown, ex.HttpRequestError.ToString()), ex) { Url = url };
        }
    }

    private static HttpRequestMessage WithUserAgent(HttpClient httpClient, HttpRequestMessage request)
    {
        if (httpClient.DefaultRequestHeaders.UserAgent.Count == 0)
        {
            request.Headers.UserAgent.Add(GolemUserAgent.Value);
        }

        return request;
    }
}
