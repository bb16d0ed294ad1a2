namespace Golem.VmImages.Registry.Push;

/// <summary>
/// Every chunk of a push was sent, but the image registry did not report the image complete within
/// <see cref="ImagePusherOptions.CompletionTimeout"/>. The chunks it stored are kept: pushing again resumes.
/// </summary>
public sealed class ImageUploadIncompleteException : ImageRegistryException
{
    /// <summary>Initializes a new instance.</summary>
    public ImageUploadIncompleteException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageUploadIncompleteException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageUploadIncompleteException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an upload.</summary>
    /// <param name="message">The message.</param>
    /// <param name="requestUri">The last status request.</param>
    /// <param name="descriptorSha256">The upload's descriptor SHA-256.</param>
    /// <param name="missingChunks">How many chunks the registry still lacked at the last check.</param>
    public ImageUploadIncompleteException(string message, Uri? requestUri, string descriptorSha256, int missingChunks)
        : base(message, requestUri)
    {
        DescriptorSha256 = descriptorSha256;
        MissingChunks = missingChunks;
    }

    /// <summary>Gets the upload's descriptor SHA-256 (64 hexadecimal characters).</summary>
    public string DescriptorSha256 { get; } = string.Empty;

    /// <summary>Gets how many chunks the registry still lacked at the last check.</summary>
    public int MissingChunks { get; }
}
