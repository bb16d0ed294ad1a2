namespace Golem.VmImages.Gvmi;

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
