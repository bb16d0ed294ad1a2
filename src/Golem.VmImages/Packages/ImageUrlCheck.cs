using System.Net;

namespace Golem.VmImages;

/// <summary>What a server answered to a <c>HEAD</c> request for an image URL (see <see cref="ImagePackage.CheckUrlAsync"/>).</summary>
/// <param name="Url">The URL that was checked.</param>
/// <param name="StatusCode">The status of the final answer, after redirects.</param>
/// <param name="ContentLength">The <c>Content-Length</c>, when the server sent one.</param>
/// <param name="SupportsRanges">Whether the server sent <c>Accept-Ranges: bytes</c>, so an interrupted download can resume.</param>
public sealed record ImageUrlCheck(Uri Url, HttpStatusCode StatusCode, long? ContentLength, bool SupportsRanges)
{
    /// <summary>Gets a value indicating whether the status is 200 OK, the only status the Python SDK accepts.</summary>
    public bool IsOk => StatusCode == HttpStatusCode.OK;

    internal static async Task<ImageUrlCheck> RunAsync(HttpClient httpClient, Uri url, CancellationToken cancellationToken)
    {
        if (url.IsFile)
        {
            var file = new FileInfo(url.LocalPath);
            return file.Exists
                ? new ImageUrlCheck(url, HttpStatusCode.OK, file.Length, SupportsRanges: true)
                : new ImageUrlCheck(url, HttpStatusCode.NotFound, null, SupportsRanges: false);
        }

        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var ranges = response.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase);
        return new ImageUrlCheck(url, response.StatusCode, response.Content.Headers.ContentLength, ranges);
    }
}
