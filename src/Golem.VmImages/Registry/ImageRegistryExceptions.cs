using System.Net;

namespace Golem.VmImages.Registry;

/// <summary>The image registry could not resolve an image; the base of the more specific registry exceptions.</summary>
public class ImageRegistryException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public ImageRegistryException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageRegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageRegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a request.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The request that failed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ImageRegistryException(string message, Uri? requestUri, Exception? innerException = null)
        : base(message, innerException)
    {
        RequestUri = requestUri;
    }

    /// <summary>Gets the registry request that failed, when known.</summary>
    public Uri? RequestUri { get; }
}

/// <summary>The image registry does not know the image (it answered 404).</summary>
public sealed class ImageNotFoundException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public ImageNotFoundException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an image asked for by tag or hash.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The request.</param>
    /// <param name="tag">The tag asked for, or <see langword="null"/>.</param>
    /// <param name="hash">The hash asked for, or <see langword="null"/>.</param>
    public ImageNotFoundException(string message, Uri? requestUri, string? tag, ImageHash? hash)
        : base(message, requestUri)
    {
        Tag = tag;
        Hash = hash;
    }

    /// <summary>Gets the tag asked for, or <see langword="null"/> when asked by hash.</summary>
    public string? Tag { get; }

    /// <summary>Gets the hash asked for, or <see langword="null"/> when asked by tag.</summary>
    public ImageHash? Hash { get; }
}

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

/// <summary>The image registry answered 200 but not with a valid image description (malformed JSON, a missing link, an invalid hash, ...).</summary>
public sealed class ImageRegistryResponseException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public ImageRegistryResponseException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageRegistryResponseException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageRegistryResponseException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an answer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The request.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ImageRegistryResponseException(string message, Uri? requestUri, Exception? innerException = null)
        : base(message, requestUri, innerException)
    {
    }
}
