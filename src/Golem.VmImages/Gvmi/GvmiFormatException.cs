namespace Golem.VmImages.Gvmi;

/// <summary>A .gvmi file's metadata trailer is missing or corrupt; the base of the specific .gvmi exceptions.</summary>
public class GvmiFormatException : Exception
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

/// <summary>The CRC-32 stored before the metadata JSON does not match the JSON.</summary>
public sealed class GvmiCrcMismatchException : GvmiFormatException
{
    /// <summary>Initializes a new instance.</summary>
    public GvmiCrcMismatchException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public GvmiCrcMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GvmiCrcMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a mismatch.</summary>
    /// <param name="message">The message.</param>
    /// <param name="storedCrc">The CRC-32 stored in the file.</param>
    /// <param name="computedCrc">The CRC-32 of the JSON.</param>
    public GvmiCrcMismatchException(string message, uint storedCrc, uint computedCrc)
        : base(message)
    {
        StoredCrc = storedCrc;
        ComputedCrc = computedCrc;
    }

    /// <summary>Gets the CRC-32 stored in the file.</summary>
    public uint StoredCrc { get; }

    /// <summary>Gets the CRC-32 computed over the metadata JSON.</summary>
    public uint ComputedCrc { get; }
}

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
