namespace Golem.VmImages.Gvmi;

/// <summary>
/// The image before the trailer is not a squashfs the provider can mount: no superblock at offset 0, a version other
/// than 4.0, a <c>bytes_used</c> running into the trailer, or a compression the provider's kernel does not mount
/// (only gzip, lzo, lz4 and xz are accepted; zstd and lzma are not).
/// </summary>
public sealed class GvmiSquashfsException : GvmiFormatException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiSquashfsException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiSquashfsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiSquashfsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
