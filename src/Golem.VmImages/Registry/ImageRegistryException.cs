namespace Golem.VmImages.Registry;

/// <summary>The image registry could not resolve an image; the base of the more specific registry exceptions.</summary>
public class ImageRegistryException : VmImageException
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
