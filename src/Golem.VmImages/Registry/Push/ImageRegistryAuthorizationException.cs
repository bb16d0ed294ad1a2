using System.Net;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// The image registry refused the credentials (401) or the user's right to do something (403): the login of a
/// tagged push, or attaching its tag to a repository the user may not write to.
/// </summary>
public sealed class ImageRegistryAuthorizationException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public ImageRegistryAuthorizationException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageRegistryAuthorizationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageRegistryAuthorizationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an answer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The request.</param>
    /// <param name="statusCode">The status the registry answered (401 or 403).</param>
    /// <param name="bodyExcerpt">The start of the registry's answer, with the access token removed.</param>
    public ImageRegistryAuthorizationException(string message, Uri? requestUri, HttpStatusCode statusCode, string bodyExcerpt)
        : base(message, requestUri)
    {
        StatusCode = statusCode;
        BodyExcerpt = bodyExcerpt;
    }

    /// <summary>Gets the status the registry answered.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the start of the registry's answer (at most <see cref="ImageRegistryStatusException.MaxExcerptLength"/> characters), with the access token removed.</summary>
    public string BodyExcerpt { get; } = string.Empty;
}
