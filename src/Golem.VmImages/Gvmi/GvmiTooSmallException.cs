namespace Golem.VmImages.Gvmi;

/// <summary>The file is too small to hold the metadata trailer (a CRC-32 and an 8-digit length at least).</summary>
public sealed class GvmiTooSmallException : GvmiFormatException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiTooSmallException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiTooSmallException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiTooSmallException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a file of <paramref name="fileLength"/> bytes.</summary>
    /// <param name="message">The message.</param>
    /// <param name="fileLength">The file length.</param>
    public GvmiTooSmallException(string message, long fileLength)
        : base(message)
    {
        FileLength = fileLength;
    }

    /// <summary>Gets the length of the file.</summary>
    public long FileLength { get; }
}
