using Golem.VmImages.Http;

namespace Golem.VmImages;

/// <content>Messages of the image fetcher and cache. Every URL in them goes through <see cref="UrlRedaction"/>.</content>
internal static partial class ErrorMessages
{
    public static string HashMismatchDefault => "The image did not hash to the expected digest.";

    public static string DownloadFailedDefault => "The image could not be downloaded.";

    public static string TooLargeDefault => "The image is larger than allowed.";

    public static string DestinationConflictDefault => "The destination already holds another file.";

    public static string ExpectedDigestIsDefault => "The expected digest is default(Sha3Digest) and holds no digest; expected a SHA3 digest from Sha3Digest.FromBytes or an ImageHash.";

    public static string NoUrls => "The URL list is empty; expected at least one http or https URL.";

    public static string DestinationEmpty => "The destination path is empty; expected a file path or null for the cache.";

    public static string UrlNull(int index) => Format("The URL at index {0} is null; expected an absolute http or https URL.", index);

    public static string UrlRelative(Uri url) => Format("The URL '{0}' is relative; expected an absolute http or https URL.", Shown(url));

    public static string UrlScheme(Uri url, bool fileAllowed) =>
        fileAllowed
            ? Format("The URL '{0}' has the unsupported scheme '{1}'; expected http, https or file.", Shown(url), url.Scheme)
            : Format("The URL '{0}' has the unsupported scheme '{1}'; expected http or https (a file URL needs ImageFetcherOptions.AllowFileUrls).", Shown(url), url.Scheme);

    public static string HashMismatch(Sha3Digest expected, Sha3Digest actual, Uri url, long length) =>
        length == 0 && !actual.IsDefault
            ? Format("The body from {0} was empty (0 bytes hash to the {1} of empty input, {2}); expected an image hashing to {3}.", Shown(url), actual.AlgorithmName, actual, expected)
            : Format("The {0} bytes from {1} hash to {2} {3}; expected {4}.", length, Shown(url), actual.AlgorithmName, actual, expected);

    public static string TooLarge(Uri url, long limit, long found) =>
        Format("The body from {0} reached {1} bytes; expected at most {2} bytes (the maximum image size).", Shown(url), found, limit);

    public static string BodyBeyondAnnouncedLength(Uri url, long announced, long found) =>
        Format("The body from {0} reached {1} bytes; expected at most {2} bytes, the length its response announced, so it is restarted from byte 0.", Shown(url), found, announced);

    public static string PathIsLink(string path, string? target) =>
        Format("The path '{0}' is a symbolic link{1}; expected no file or a regular file, and links are never followed.", path, target is null ? string.Empty : " to '" + target + "'");

    public static string DestinationExists(string path) =>
        Format("The destination '{0}' already holds another file; expected no file there (or the same image), as a verified image never replaces one.", path);

    public static string DestinationIsDirectory(string path) =>
        Format("The destination '{0}' is a directory; expected a file path.", path);

    public static string DestinationDirectoryMissing(string path, string directory) =>
        Format("The destination '{0}' is in '{1}', which does not exist; expected an existing directory.", path, directory);

    public static string DestinationNotWritable(string path, string directory, string reason) =>
        Format("The destination '{0}' cannot be written: creating a file in '{1}' failed ({2}); expected a writable directory.", path, directory, reason);

    public static string DiskWriteFailed(long offset, string reason) =>
        Format("Writing the partial file at byte {0} failed ({1}); expected the disk to accept the write, the partial file is kept for resuming.", offset, reason);

    public static string DiskWriteFailedNothingToResume(long offset, string reason) =>
        Format("Writing the partial file at byte {0} failed ({1}); expected the disk to accept the write, the partial file is deleted, as the server gave no length and validator to resume it from.", offset, reason);

    public static string DiskFull(string directory) => Format("The volume of '{0}' is out of space.", directory);

    public static string NotEnoughDiskSpace(string directory, long available, long needed, long reserve) =>
        Format("The volume of '{0}' has {1} bytes free; expected room for {2} more bytes while keeping {3} bytes free.", directory, available, needed, reserve);

    public static string NotEnoughDiskSpaceForUnknownLength(string directory, long available, long reserve) =>
        Format("The volume of '{0}' has {1} bytes free, less than the {2} bytes a download keeps free; expected more free space or a lower reserve.", directory, available, reserve);

    public static string BelowFreeSpaceReserve(string directory, long available, long reserve, long offset, bool kept) =>
        Format(
            kept
                ? "The download stopped at byte {3}: the volume of '{0}' has {1} bytes free and the next writes would leave less than the {2} bytes a download keeps free; the partial file is kept for resuming."
                : "The download stopped at byte {3}: the volume of '{0}' has {1} bytes free and the next writes would leave less than the {2} bytes a download keeps free; the partial file is deleted, as the server gave no length and validator to resume it from.",
            directory,
            available,
            reserve,
            offset);

    public static string LocalFileUnreadable(Uri url, string reason) => Format("The local file {0} could not be read ({1}); expected a readable image file.", url.LocalPath, reason);

    public static string Stalled(Uri url, TimeSpan timeout, long minimumBytesPerSecond, long offset) =>
        Format("The transfer from {0} stalled at byte {1}: under {2} bytes/s (at least 1 byte) for {3}; expected steady progress.", Shown(url), offset, minimumBytesPerSecond, timeout);

    public static string TransferFailed(Uri url, long offset, string reason) =>
        Format("The transfer from {0} broke at byte {1} ({2}); expected the whole body.", Shown(url), offset, reason);

    public static string TooManyRedirects(Uri url, int limit) => Format("Requesting {0} was redirected more than {1} times; expected at most {1} redirects.", Shown(url), limit);

    public static string RedirectScheme(Uri from, Uri to) => Format("{0} redirected to {1}; expected an http or https location.", Shown(from), Shown(to));

    public static string RedirectDowngrade(Uri from, Uri to) =>
        Format("{0} redirected from HTTPS to plain HTTP ({1}); expected HTTPS, as a downgrade is refused unless AllowHttpsToHttpDowngrade is set.", Shown(from), Shown(to));

    public static string BadPartialResponse(Uri url, string problem) => Format("The partial response from {0} was rejected: {1}; expected a 206 continuing the same file, restarting from byte 0.", Shown(url), problem);

    public static string HttpStatus(Uri url, int status, string? reason) =>
        Format("The server answered {0}{1} for {2}; expected 200 or 206.", status, string.IsNullOrEmpty(reason) ? string.Empty : " " + reason, Shown(url));

    public static string ContentEncoded(Uri url, string encoding) =>
        Format("The body from {0} has Content-Encoding '{1}'; expected identity, as encoded bytes are never decoded or hashed.", Shown(url), encoding);

    public static string ResumedMismatch(Uri url, long length) =>
        Format("The resumed file from {0} ({1} bytes) did not hash to the expected digest; expected a match, so it is discarded and downloaded once more from byte 0.", Shown(url), length);

    public static string DeadlineExceeded(Sha3Digest expected, TimeSpan timeout, IReadOnlyList<Uri> tried) =>
        Format("Fetching image {0} took longer than the overall timeout of {1} (tried {2}); expected it to finish within it.", expected, timeout, string.Join(", ", tried.Select(Shown)));

    public static string AllUrlsFailed(Sha3Digest expected, IReadOnlyList<Uri> urls, IReadOnlyList<Exception> failures)
    {
        var parts = new List<string>(failures.Count);
        for (var i = 0; i < failures.Count; i++)
        {
            parts.Add(Format("[{0}] {1}: {2}", i + 1, Shown(urls[i]), failures[i].Message));
        }

        return Format("None of the {0} URLs served image {1}: {2}", urls.Count, expected, string.Join(" ", parts));
    }

    public static string OptionEmpty(string type, string name) => Format("{0}.{1} is empty; expected a value.", type, name);

    public static string OptionRange<T>(string type, string name, T value, T min, T max) =>
        Format("{0}.{1} is {2}; expected from {3} to {4}.", type, name, value, min, max);

    public static string OptionBackoffCapBelowBase(TimeSpan cap, TimeSpan baseDelay) =>
        Format("ImageFetcherOptions.BackoffCap is {0}; expected at least BackoffBase ({1}).", cap, baseDelay);

    public static string OptionStallAboveOverall(TimeSpan stall, TimeSpan overall) =>
        Format("ImageFetcherOptions.StallTimeout is {0}; expected at most OverallTimeout ({1}).", stall, overall);

    private static string Shown(Uri url) => UrlRedaction.Redact(url);
}
