namespace Golem.VmImages.Gvmi;

/// <summary>The metadata passes the CRC check but is not a valid container config JSON object.</summary>
public sealed class GvmiConfigException : GvmiFormatException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiConfigException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiConfigException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
