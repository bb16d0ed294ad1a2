namespace Golem.VmImages.Fetching;

/// <summary>The bytes received from a URL do not hash to the expected digest; nothing was kept. A download failure like any other: catch <see cref="ImageDownloadException"/> for both.</summary>
public sealed class ImageHashMismatchException : ImageDownloadException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public ImageHashMismatchException()
        : base(ErrorMessages.HashMismatchDefault)
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageHashMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageHashMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance describing a mismatch.</summary>
    /// <param name="expected">The expected digest.</param>
    /// <param name="actual">The digest of the bytes received.</param>
    /// <param name="url">The URL the bytes came from.</param>
    /// <param name="length">The number of bytes received.</param>
    /// <param name="attempts">The attempts made on <paramref name="url"/>.</param>
    public ImageHashMismatchException(Sha3Digest expected, Sha3Digest actual, Uri url, long length, int attempts)
        : base(ErrorMessages.HashMismatch(expected, actual, url, length), url, null, attempts, null)
    {
        Expected = expected;
        Actual = actual;
        Length = length;
    }

    /// <summary>Gets the expected digest.</summary>
    public Sha3Digest Expected { get; }

    /// <summary>Gets the digest of the bytes received.</summary>
    public Sha3Digest Actual { get; }

    /// <summary>Gets the number of bytes received.</summary>
    public long Length { get; }

    /// <summary>Gets a value indicating whether the body was empty, so the digest of empty input was computed.</summary>
    public bool BodyWasEmpty => Length == 0 && !Actual.IsDefault;
}
