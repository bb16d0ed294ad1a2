namespace Golem.VmImages;

/// <content>Messages of the image fetcher and cache.</content>
internal static partial class ErrorMessages
{
    public static string HashMismatchDefault => "The image did not hash to the expected digest.";

    public static string DownloadFailedDefault => "The image could not be downloaded.";

    public static string TooLargeDefault => "The image is larger than allowed.";

    public static string ExpectedDigestIsDefault => "The expected digest is default(Sha3Digest) and holds no digest; expected a SHA3 digest from Sha3Digest.FromBytes or an ImageHash.";

    public static string NoUrls => "The URL list is empty; expected at least one http, https or file URL.";

    public static string DestinationEmpty => "The destination path is empty; expected a file path or null for the cache.";

    public static string UrlNull(int index) => Format("The URL at index {0} is null; expected an absolute http, https or file URL.", index);

    public static string UrlRelative(Uri url) => Format("The URL '{0}' is relative; expected an absolute http, https or file URL.", url.OriginalString);

    public static string UrlScheme(Uri url) => Format("The URL '{0}' has the unsupported scheme '{1}'; expected http, https or file.", url.OriginalString, url.Scheme);

    public static string HashMismatch(Sha3Digest expected, Sha3Digest actual, Uri url, long length) =>
        length == 0 && !actual.IsDefault
            ? Format("The body from {0} was empty (0 bytes hash to the {1} of empty input, {2}); expected an image hashing to {3}.", url, actual.AlgorithmName, actual, expected)
            : Format("The {0} bytes from {1} hash to {2} {3}; expected {4}.", length, url, actual.AlgorithmName, actual, expected);

    public static string TooLarge(Uri url, long limit, long found) =>
        Format("The body from {0} reached {1} bytes; expected at most {2} bytes (the maximum image size).", url, found, limit);

    public static string BodyBeyondAnnouncedLength(Uri url, long announced, long found) =>
        Format("The body from {0} reached {1} bytes; expected at most {2} bytes, the length its response announced, so it is restarted from byte 0.", url, found, announced);

    public static string PathIsLink(string path, string? target) =>
        Format("The path '{0}' is a symbolic link{1}; expected no file or a regular file, and links are never followed.", path, target is null ? string.Empty : " to '" + target + "'");

    public static string FetcherUsesAnotherCache(string fetcherDirectory, string cacheDirectory) =>
        Format("The fetcher stores images in '{0}'; expected a fetcher over this cache's directory '{1}'.", fetcherDirectory, cacheDirectory);

    public static string DestinationExists(string path) =>
        Format("The destination '{0}' already exists; expected no file there, as a verified image never replaces one.", path);

    public static string DiskWriteFailed(long offset, string reason) =>
        Format("Writing the partial file at byte {0} failed ({1}); expected the disk to accept the write, the partial file is kept for resuming.", offset, reason);

    public static string DiskFull(string directory) => Format("The volume of '{0}' is out of space.", directory);

    public static string NotEnoughDiskSpace(string directory, long available, long needed, long reserve) =>
        Format("The volume of '{0}' has {1} bytes free; expected room for {2} more bytes while keeping {3} bytes free.", directory, available, needed, reserve);

    public static string LocalFileUnreadable(Uri url, string reason) => Format("The local file {0} could not be read ({1}); expected a readable image file.", url.LocalPath, reason);

    public static string Stalled(Uri url, TimeSpan timeout, long minimumBytesPerSecond, long offset) =>
        Format("The transfer from {0} stalled at byte {1}: under {2} bytes/s (at least 1 byte) for {3}; expected steady progress.", url, offset, minimumBytesPerSecond, timeout);

    public static string TransferFailed(Uri url, long offset, string reason) =>
        Format("The transfer from {0} broke at byte {1} ({2}); expected the whole body.", url, offset, reason);

    public static string TooManyRedirects(Uri url, int limit) => Format("Requesting {0} was redirected more than {1} times; expected at most {1} redirects.", url, limit);

    public static string RedirectScheme(Uri from, Uri to) => Format("{0} redirected to {1}; expected an http or https location.", from, to);

    public static string RedirectDowngrade(Uri from, Uri to) =>
        Format("{0} redirected from HTTPS to plain HTTP ({1}); expected HTTPS, as a downgrade is refused unless AllowHttpsToHttpDowngrade is set.", from, to);

    public static string BadPartialResponse(Uri url, string problem) => Format("The partial response from {0} was rejected: {1}; expected a 206 continuing the same file, restarting from byte 0.", url, problem);

    public static string HttpStatus(Uri url, int status, string? reason) =>
        Format("The server answered {0}{1} for {2}; expected 200 or 206.", status, string.IsNullOrEmpty(reason) ? string.Empty : " " + reason, url);

    public static string ContentEncoded(Uri url, string encoding) =>
        Format("The body from {0} has Content-Encoding '{1}'; expected identity, as encoded bytes are never decoded or hashed.", url, encoding);

    public static string ResumedMismatch(Uri url, long length) =>
        Format("The resumed file from {0} ({1} bytes) did not hash to the expected digest; expected a match, so it is discarded and downloaded once more from byte 0.", url, length);

    public static string DeadlineExceeded(Sha3Digest expected, TimeSpan timeout) =>
        Format("Fetching image {0} took longer than the overall timeout of {1}; expected it to finish within it.", expected, timeout);

    public static string AllUrlsFailed(Sha3Digest expected, IReadOnlyList<Uri> urls, IReadOnlyList<Exception> failures)
    {
        var parts = new List<string>(failures.Count);
        for (var i = 0; i < failures.Count; i++)
        {
            parts.Add(Format("[{0}] {1}", i + 1, failures[i].Message));
        }

        return Format("None of the {0} URLs served image {1}: {2}", urls.Count, expected, string.Join(" ", parts));
    }

    public static string OptionCacheDirectoryEmpty => "ImageFetcherOptions.CacheDirectory is empty; expected a directory path.";

    public static string OptionNegativeSize => "An ImageFetcherOptions size (MaxImageSize, MaxCacheSize, MinimumFreeDiskSpace, MinimumBytesPerSecond) is negative; expected 0 or more.";

    public static string OptionTimeOutOfRange(string name, TimeSpan value, TimeSpan min, TimeSpan max) =>
        Format("ImageFetcherOptions.{0} is {1}; expected from {2} to {3}.", name, value, min, max);

    public static string OptionBackoffCapBelowBase(TimeSpan cap, TimeSpan baseDelay) =>
        Format("ImageFetcherOptions.BackoffCap is {0}; expected at least BackoffBase ({1}).", cap, baseDelay);

    public static string OptionStallAboveOverall(TimeSpan stall, TimeSpan overall) =>
        Format("ImageFetcherOptions.StallTimeout is {0}; expected at most OverallTimeout ({1}).", stall, overall);

    public static string OptionOutOfRange(string name, long value, string expected) =>
        Format("ImageFetcherOptions.{0} is {1}; expected {2}.", name, value, expected);
}
