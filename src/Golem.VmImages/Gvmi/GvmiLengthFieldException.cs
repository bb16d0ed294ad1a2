namespace Golem.VmImages.Gvmi;

/// <summary>The 8-digit metadata length field at the end of the file is not digits, or names more bytes than the file has.</summary>
public sealed class GvmiLengthFieldException : GvmiFormatException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiLengthFieldException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiLengthFieldException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiLengthFieldException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a length field.</summary>
    /// <param name="message">The message.</param>
    /// <param name="lengthField">The 8 characters found, with non-printable ones shown as '?'.</param>
    public GvmiLengthFieldException(string message, string lengthField)
        : base(message)
    {
        LengthField = lengthField;
    }

    /// <summary>Gets the 8 characters of the length field as found.</summary>
    public string LengthField { get; } = string.Empty;
}
