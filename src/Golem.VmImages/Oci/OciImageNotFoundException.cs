using Golem.VmImages.Registry;

namespace Golem.VmImages.Oci;

/// <summary>A container registry does not know the repository, the tag or the digest (404), or an index has no image for the platform asked for.</summary>
public sealed class OciImageNotFoundException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public OciImageNotFoundException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public OciImageNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OciImageNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a reference the registry does not know.</summary>
    /// <param name="message">The message.</param>
    /// <param name="reference">The image reference, as written in full.</param>
    /// <param name="requestUri">The request answered with 404, or <see langword="null"/>.</param>
    public OciImageNotFoundException(string message, string reference, Uri? requestUri)
        : base(message, requestUri)
    {
        Reference = reference;
    }

    /// <summary>Gets the image reference in full, or <see langword="null"/>.</summary>
    public string? Reference { get; }
}
