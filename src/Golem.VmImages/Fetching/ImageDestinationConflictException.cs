namespace Golem.VmImages.Fetching;

/// <summary>The caller-chosen destination of a fetch already holds another file, which a verified image never replaces.</summary>
public sealed class ImageDestinationConflictException : ImageDownloadException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageDestinationConflictException()
        : base(ErrorMessages.DestinationConflictDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageDestinationConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageDestinationConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance naming the destination and the file found there.</summary>
    /// <param name="destination">The destination path the caller asked for.</param>
    /// <param name="existingLength">The length in bytes of the file found there.</param>
    public ImageDestinationConflictException(string destination, long existingLength)
        : base(ErrorMessages.DestinationExists(destination))
    {
        Destination = destination;
        ExistingLength = existingLength;
    }

    /// <summary>Gets the destination path the caller asked for.</summary>
    public string? Destination { get; }

    /// <summary>Gets the length in bytes of the file found at the destination.</summary>
    public long ExistingLength { get; }
}
