namespace Golem.VmImages.Publishing;

/// <summary>A different object is already stored at the key, and overwriting was not asked for.</summary>
public sealed class ImageKeyConflictException : ImagePublishException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageKeyConflictException()
        : base(ErrorMessages.KeyConflictDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageKeyConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageKeyConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the key, relative to the target.</summary>
    public string? Key { get; init; }

    /// <summary>Gets the existing object's length, when known.</summary>
    public long? ExistingLength { get; init; }

    /// <summary>Gets the existing object's hash, when known.</summary>
    public ImageHash? ExistingHash { get; init; }
}
