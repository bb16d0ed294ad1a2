namespace Golem.VmImages;

/// <summary>
/// The base of everything this library throws on purpose: a download that failed or did not verify
/// (<see cref="Fetching.ImageDownloadException"/>), a .gvmi file that is not well formed (<see cref="Gvmi.GvmiFormatException"/>),
/// a registry that could not resolve or accept an image (<see cref="Registry.ImageRegistryException"/>), a publish that
/// failed (<see cref="Publishing.ImagePublishException"/>) and a build that failed (<see cref="Building.ImageBuildException"/>).
/// Argument checks still throw the <see cref="ArgumentException"/> family and cancellation <see cref="OperationCanceledException"/>.
/// </summary>
/// <remarks>Catch the family you mean; catch this type only to handle every failure of the library alike.</remarks>
public abstract class VmImageException : Exception
{
    /// <summary>Initializes a new instance with the runtime's default message.</summary>
    protected VmImageException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    protected VmImageException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    protected VmImageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
