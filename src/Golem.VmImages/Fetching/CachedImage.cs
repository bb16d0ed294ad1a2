namespace Golem.VmImages.Fetching;

/// <summary>An image in an <see cref="ImageCache"/>.</summary>
/// <param name="Digest">The image digest, which is also its file name.</param>
/// <param name="Path">The full path of the read-only file.</param>
/// <param name="Length">The file length in bytes.</param>
/// <param name="LastUsedUtc">When the image was last stored or returned by the cache.</param>
public sealed record CachedImage(Sha3Digest Digest, string Path, long Length, DateTime LastUsedUtc);
