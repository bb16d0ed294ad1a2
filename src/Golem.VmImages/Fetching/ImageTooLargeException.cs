namespace Golem.VmImages.Fetching;

/// <summary>A server announced or sent more bytes than allowed (the configured maximum image size, or its own <c>Content-Length</c>).</summary>
public sealed class ImageTooLargeException : ImageDownloadException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageTooLargeException()
        : base(ErrorMessages.TooLargeDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance describing an oversize body.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="limit">The limit in bytes.</param>
    /// <param name="found">The size announced or reached, in bytes.</param>
    public ImageTooLargeException(Uri url, long limit, long found)
        : base(ErrorMessages.TooLarge(url, limit, found), url, null, 1, null)
    {
        Limit = limit;
        Found = found;
    }

    /// <summary>Gets the limit in bytes.</summary>
    public long Limit { get; }

    /// <summary>Gets the size announced or reached, in bytes.</summary>
    public long Found { get; }
}
