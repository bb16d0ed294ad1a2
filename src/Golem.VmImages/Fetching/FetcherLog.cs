using Microsoft.Extensions.Logging;

namespace Golem.VmImages.Fetching;

/// <summary>The fetcher's source-generated log messages; every URL in them is redacted.</summary>
internal static partial class FetcherLog
{
    [LoggerMessage(1, LogLevel.Debug, "Image {Digest} is already being fetched to {Path}; waiting for that download")]
    public static partial void JoinedInFlight(ILogger logger, string digest, string path);

    [LoggerMessage(2, LogLevel.Information, "Image {Digest} found in the cache at {Path}")]
    public static partial void CacheHit(ILogger logger, string digest, string path);

    [LoggerMessage(3, LogLevel.Warning, "Cached image {Digest} at {Path} no longer hashes to its name; evicted, fetching again")]
    public static partial void CacheEntryCorrupt(ILogger logger, string digest, string path);

    [LoggerMessage(4, LogLevel.Warning, "Fetching from {Url} failed: {Reason}")]
    public static partial void UrlFailed(ILogger logger, Uri url, string reason);

    [LoggerMessage(5, LogLevel.Information, "Attempt {Attempt} of {MaxAttempts} in {Delay}: {Reason}")]
    public static partial void Retrying(ILogger logger, int attempt, int maxAttempts, TimeSpan delay, string reason);

    [LoggerMessage(6, LogLevel.Information, "Resuming {Url} from byte {Offset} after re-hashing the partial file")]
    public static partial void ResumingPartial(ILogger logger, Uri url, long offset);

    [LoggerMessage(7, LogLevel.Warning, "Restarting {Url} from byte 0 (had {Offset} bytes): {Reason}")]
    public static partial void Restarting(ILogger logger, Uri url, long offset, string reason);

    [LoggerMessage(8, LogLevel.Warning, "No data from {Url} for {Timeout} at byte {Offset}; abandoning the attempt")]
    public static partial void Stalled(ILogger logger, Uri url, long offset, TimeSpan timeout);

    [LoggerMessage(9, LogLevel.Warning, "Transfer from {Url} broke at byte {Offset}: {Reason}")]
    public static partial void TransferFailed(ILogger logger, Uri url, long offset, string reason);

    [LoggerMessage(10, LogLevel.Debug, "Redirected from {From} to {To}")]
    public static partial void Redirected(ILogger logger, string from, string to);

    [LoggerMessage(11, LogLevel.Information, "416 from {Url} at byte {Offset}: checking the file on disk")]
    public static partial void RangeNotSatisfiable(ILogger logger, Uri url, long offset);

    [LoggerMessage(12, LogLevel.Error, "Image from {Url} hashed to {Actual} instead of {Expected} ({Length} bytes)")]
    public static partial void Mismatch(ILogger logger, Uri url, string expected, string actual, long length);

    [LoggerMessage(13, LogLevel.Information, "Image {Digest} verified: {Length} bytes from {Url} in {Attempts} attempt(s)")]
    public static partial void Verified(ILogger logger, string digest, Uri url, long length, int attempts);
}
