using Golem.VmImages.Registry;

namespace Golem.VmImages.Oci;

/// <summary>A container registry refused the credentials (401 or 403), or the credentials it needs cannot be found (a missing credential helper is named in the message).</summary>
public sealed class OciRegistryAuthorizationException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public OciRegistryAuthorizationException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public OciRegistryAuthorizationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OciRegistryAuthorizationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a refused request.</summary>
    /// <param name="message">The message (it never holds a password or token).</param>
    /// <param name="requestUri">The request refused, redacted.</param>
    /// <param name="statusCode">The HTTP status, 401 or 403.</param>
    public OciRegistryAuthorizationException(string message, Uri? requestUri, int statusCode)
        : base(message, requestUri)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status (401 or 403), or <see langword="null"/> when no request was refused.</summary>
    public int? StatusCode { get; }
}
