namespace Golem.VmImages.Oci;

/// <summary>How far one layer's download from a container registry is.</summary>
/// <param name="LayerIndex">The 0-based index of the layer, bottom first.</param>
/// <param name="LayerCount">The number of layers in the image.</param>
/// <param name="Digest">The layer blob's digest.</param>
/// <param name="BytesDone">The bytes of the blob verified or received so far (a resumed download starts at what was kept).</param>
/// <param name="TotalBytes">The blob's length from its manifest.</param>
/// <param name="FromCache">Whether the blob was already in the cache, so nothing was downloaded.</param>
public readonly record struct OciLayerProgress(int LayerIndex, int LayerCount, string Digest, long BytesDone, long TotalBytes, bool FromCache);
