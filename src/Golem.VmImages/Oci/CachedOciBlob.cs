namespace Golem.VmImages.Oci;

/// <summary>A blob (a layer, an image config or a manifest) in an <see cref="OciBlobCache"/>.</summary>
/// <param name="Digest">The blob digest, <c>sha256:</c> and 64 lowercase hexadecimal digits; its hexadecimal part is also its file name.</param>
/// <param name="Path">The full path of the read-only file.</param>
/// <param name="Length">The file length in bytes.</param>
/// <param name="LastUsedUtc">When the blob was last stored or used by a build.</param>
public sealed record CachedOciBlob(string Digest, string Path, long Length, DateTime LastUsedUtc);
