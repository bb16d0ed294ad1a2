namespace Golem.VmImages.Registry.Push;

/// <summary>The outcome of a push: what was sent and what the registry now answers for the image.</summary>
/// <param name="Descriptor">The image's descriptor (hash, size, chunks).</param>
/// <param name="Tag">The tag attached, <c>user/repository:tag</c>, or <see langword="null"/> for an anonymous push.</param>
/// <param name="ChunksUploaded">The chunks this run sent; the others the registry already had.</param>
/// <param name="Resolved">What <c>/v1/image/info</c> answers for the tag (or the hash), checked to name the pushed image.</param>
/// <param name="DescriptorDownloadUrl">The link gvmkit-build prints: <c>{registry}/download/{descriptor SHA-256}</c>.</param>
public sealed record ImagePushResult(ImageDescriptor Descriptor, string? Tag, int ChunksUploaded, ResolvedImage Resolved, Uri DescriptorDownloadUrl)
{
    /// <summary>Gets a value indicating whether the descriptor was remembered from an earlier push of the unchanged file (<see cref="ImagePusherOptions.DescriptorCacheDirectory"/>), so the file was not read to hash it.</summary>
    public bool DescriptorFromCache { get; init; }

    /// <summary>Gets the image hash (SHA3-224 of the file).</summary>
    public ImageHash ImageHash => Descriptor.ImageHash;

    /// <summary>Gets the package for the image: its hash and the registry's download link.</summary>
    public ImagePackage Package => Resolved.Package;
}
