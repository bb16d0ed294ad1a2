namespace Golem.VmImages.Publishing;

/// <summary>The image was stored, but its public URL does not serve it the way a provider downloads it.</summary>
public sealed class ImageNotPubliclyReadableException : ImagePublishException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageNotPubliclyReadableException()
        : base(ErrorMessages.NotPublicDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageNotPubliclyReadableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageNotPubliclyReadableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the public URL that was checked.</summary>
    public Uri? Url { get; init; }
}
