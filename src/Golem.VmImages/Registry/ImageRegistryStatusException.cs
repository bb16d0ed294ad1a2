using System.Net;

namespace Golem.VmImages.Registry;

/// <summary>The image registry answered with a non-success status other than 404.</summary>
public sealed class ImageRegistryStatusException : ImageRegistryException
{
    /// <summary>The most characters of the body kept in <see cref="BodyExcerpt"/>: 512.</summary>
    public const int MaxExcerptLength = 512;

    /// <summary>Initializes a new instance.</summary>
    public ImageRegistryStatusException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageRegistryStatusException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageRegistryStatusException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an answer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The request.</param>
    /// <param name="statusCode">The status the registry answered.</param>
    /// <param name="bodyExcerpt">At most <see cref="MaxExcerptLength"/> characters of the body.</param>
    public ImageRegistryStatusException(string message, Uri? requestUri, HttpStatusCode statusCode, string bodyExcerpt)
        : base(message, requestUri)
    {
        StatusCode = statusCode;
        BodyExcerpt = bodyExcerpt;
    }

    /// <summary>Gets the status the registry answered.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the start of the body (at most <see cref="MaxExcerptLength"/> characters).</summary>
    public string BodyExcerpt { get; } = string.Empty;
}
