using System.Net;

namespace Golem.VmImages.Fetching;

/// <summary>An image could not be downloaded from its URL (or from any of its mirrors); nothing unverified was kept under a final name.</summary>
public class ImageDownloadException : VmImageException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageDownloadException()
        : base(ErrorMessages.DownloadFailedDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageDownloadException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageDownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance describing a failed URL.</summary>
    /// <param name="message">The message.</param>
    /// <param name="url">The URL.</param>
    /// <param name="statusCode">The HTTP status of the last response, if any.</param>
    /// <param name="attempts">The attempts made.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    public ImageDownloadException(string message, Uri? url, HttpStatusCode? statusCode, int attempts, Exception? innerException)
        : base(message, innerException)
    {
        Url = url;
        StatusCode = statusCode;
        Attempts = attempts;
    }

    /// <summary>Gets the URL that failed, with its user info and query redacted, or <see langword="null"/> when several mirrors failed (see <see cref="UrlFailures"/>).</summary>
    public Uri? Url { get; }

    /// <summary>Gets the HTTP status of the last response, if one was received.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the number of attempts made.</summary>
    public int Attempts { get; }

    /// <summary>Gets, when several URLs were tried, the failure of each, in order.</summary>
    public IReadOnlyList<Exception> UrlFailures { get; init; } = [];

    /// <summary>Gets a value indicating whether retrying the same URL later could succeed.</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets the delay the server asked for (<c>Retry-After</c>), if any.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
