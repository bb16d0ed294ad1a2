namespace Golem.VmImages.Registry;

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
