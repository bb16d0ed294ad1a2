using Golem.VmImages.Registry;

namespace Golem.VmImages.Oci;

/// <summary>A container registry could not be reached, kept failing (5xx, 408, 429, a connection cut) after the retries, or refused a request with another status.</summary>
public sealed class OciRegistryRequestException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public OciRegistryRequestException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public OciRegistryRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OciRegistryRequestException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a failed request.</summary>
    /// <param name="message">The message (it never holds a password or token).</param>
    /// <param name="requestUri">The request, redacted.</param>
    /// <param name="statusCode">The last HTTP status, or <see langword="null"/> when no answer came.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OciRegistryRequestException(string message, Uri? requestUri, int? statusCode, Exception? innerException)
        : base(message, requestUri, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the last HTTP status, or <see langword="null"/> when no answer came.</summary>
    public int? StatusCode { get; }
}
