using Golem.VmImages.Registry;

namespace Golem.VmImages.Oci;

/// <summary>A manifest or blob from a container registry did not hash to the digest that names it; nothing was stored under that digest.</summary>
public sealed class OciDigestMismatchException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public OciDigestMismatchException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public OciDigestMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OciDigestMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for content that did not verify.</summary>
    /// <param name="message">The message.</param>
    /// <param name="expected">The digest the content is named by.</param>
    /// <param name="actual">The digest of the bytes received.</param>
    public OciDigestMismatchException(string message, string expected, string actual)
        : base(message)
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>Gets the digest the content is named by, or <see langword="null"/>.</summary>
    public string? Expected { get; }

    /// <summary>Gets the digest of the bytes received, or <see langword="null"/>.</summary>
    public string? Actual { get; }
}
