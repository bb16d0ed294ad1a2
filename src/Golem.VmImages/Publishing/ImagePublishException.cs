namespace Golem.VmImages.Publishing;

/// <summary>Publishing an image failed at the target, or the published image is not what providers can use.</summary>
public class ImagePublishException : VmImageException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImagePublishException()
        : base(ErrorMessages.PublishFailedDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImagePublishException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImagePublishException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the HTTP status the target or public URL answered with, when that is what failed.</summary>
    public System.Net.HttpStatusCode? StatusCode { get; init; }
}
