namespace Golem.VmImages.Gvmi;

/// <summary>A .gvmi file's metadata trailer is missing or corrupt; the base of the specific .gvmi exceptions.</summary>
public class GvmiFormatException : VmImageException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiFormatException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
