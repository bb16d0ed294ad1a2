namespace Golem.VmImages.Registry.Push;

/// <summary>What one <see cref="ImagePusher.PushAsync"/> call does: the tag and credentials, the chunk size and progress.</summary>
public sealed class ImagePushOptions
{
    /// <summary>
    /// Gets or sets the tag to attach, <c>user/repository[:tag]</c> (the tag defaults to <c>latest</c>), or
    /// <see langword="null"/> for an anonymous push, addressable by hash only.
    /// </summary>
    /// <value>The default is <see langword="null"/> (anonymous).</value>
    public string? Tag { get; set; }

    /// <summary>Gets or sets the registry credentials; required with a <see cref="Tag"/>, refused without one.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public RegistryCredentials? Credentials { get; set; }

    /// <summary>Gets or sets the chunk size in bytes, or <see langword="null"/> for gvmkit-build's choice by image size (<see cref="ImageDescriptor.GetDefaultChunkSize"/>), so both tools name the upload alike.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public long? ChunkSize { get; set; }

    /// <summary>Gets or sets a value indicating whether a tagged push may send the access token to a plain <c>http://</c> registry.</summary>
    /// <value>The default is <see langword="false"/>: a tagged push to an <c>http://</c> registry is refused before anything is sent.</value>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Gets or sets a value indicating whether the file's .gvmi trailer (length, CRC-32, container config) is checked before anything is sent.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ValidateImage { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the resulting package uses the registry's <c>https</c> download link rather than its <c>http</c> one.</summary>
    /// <value>The default is <see langword="false"/>, as <c>vm.repo()</c>.</value>
    public bool UseHttps { get; set; }

    /// <summary>Gets or sets where progress goes: each phase as it starts, and bytes as they are hashed and sent.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IProgress<ImagePushProgress>? Progress { get; set; }
}
