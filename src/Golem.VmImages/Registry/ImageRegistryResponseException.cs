namespace Golem.VmImages.Registry;

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
