using Golem.VmImages.Fetching;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// One entry of the cache as <c>gvmi cache</c> shows it: an image <c>gvmi fetch</c> verified (kind <c>image</c>) or a
/// blob a registry build pulled (kind <c>oci-blob</c>: a layer, an image config or a manifest).
/// </summary>
internal sealed record CacheEntry(string Kind, string Digest, string Algorithm, string Path, long Length, DateTime LastUsedUtc)
{
    public const string ImageKind = "image";

    public const string BlobKind = "oci-blob";

    /// <summary>Gets the image, for an entry of kind <c>image</c>.</summary>
    public CachedImage? Image { get; private init; }

    /// <summary>Gets the blob, for an entry of kind <c>oci-blob</c>.</summary>
    public CachedOciBlob? Blob { get; private init; }

    public static CacheEntry Of(CachedImage image) =>
        new(ImageKind, image.Digest.ToString(), image.Digest.AlgorithmName, image.Path, image.Length, image.LastUsedUtc) { Image = image };

    public static CacheEntry Of(CachedOciBlob blob) =>
        new(BlobKind, blob.Digest, "SHA-256", blob.Path, blob.Length, blob.LastUsedUtc) { Blob = blob };
}
