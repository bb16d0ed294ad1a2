namespace Golem.VmImages.Fetching;

/// <summary>
/// Gets verified images: from the cache when present (size checked, optionally re-hashed), otherwise downloaded from
/// the first URL that works, hashed in one pass, and moved to its content-addressed name only after the digest matched.
/// </summary>
public interface IImageFetcher
{
    /// <summary>Gets the cache this fetcher stores images in.</summary>
    ImageCache Cache { get; }

    /// <summary>Gets the image with <paramref name="expected"/> digest, trying <paramref name="urls"/> in order.</summary>
    /// <param name="expected">The digest the image must hash to; its length selects SHA3-224, -256, -384 or -512.</param>
    /// <param name="urls">
    /// One or more absolute <c>http</c> or <c>https</c> URLs (mirrors; <c>file</c> URLs only with
    /// <see cref="ImageFetcherOptions.AllowFileUrls"/>), tried in order. A URL may carry credentials
    /// (<c>https://user:token@host/...</c>, sent as basic auth to that origin only) or a signed query; neither is ever
    /// written to disk, a log, a message or a progress report, which show the URL redacted.
    /// </param>
    /// <param name="request">Progress reporting and an optional destination path, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The verified image.</returns>
    /// <exception cref="ArgumentException">The digest is default, the list is empty, or a URL is relative or of a scheme not allowed.</exception>
    /// <exception cref="IOException">The destination is a directory, or its directory is missing or not writable.</exception>
    /// <exception cref="ImageDestinationConflictException">The destination holds another file.</exception>
    /// <exception cref="ImageHashMismatchException">The only URL served bytes with another digest.</exception>
    /// <exception cref="ImageTooLargeException">The only URL served a body beyond the size limit.</exception>
    /// <exception cref="ImageDownloadException">The download failed (with several URLs: every URL failed, see <see cref="ImageDownloadException.UrlFailures"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; a partial download is kept for resuming.</exception>
    Task<FetchedImage> FetchAsync(Sha3Digest expected, IReadOnlyList<Uri> urls, ImageFetchRequest? request = null, CancellationToken cancellationToken = default);
}
