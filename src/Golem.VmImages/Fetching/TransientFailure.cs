using System.Net;

namespace Golem.VmImages.Fetching;

/// <summary>A transient failure the retry pipeline handles; <see cref="RetryImmediately"/> for a restart from byte 0 that needs no backoff.</summary>
internal sealed class TransientFailure : ImageDownloadException
{
    public TransientFailure(string message, Uri url, HttpStatusCode? statusCode, int attempts, Exception? innerException, TimeSpan? retryAfter = null, bool retryImmediately = false, bool restartAfterSplice = false)
        : base(message, url, statusCode, attempts, innerException)
    {
        IsTransient = true;
        RetryAfter = retryAfter;
        RetryImmediately = retryImmediately || restartAfterSplice;
        RestartAfterSplice = restartAfterSplice;
    }

    public bool RetryImmediately { get; }

    /// <summary>Gets a value indicating whether a resumed file failed its digest and was discarded: the one restart from byte 0 is owed.</summary>
    public bool RestartAfterSplice { get; }
}
