namespace Golem.VmImages.Publishing;

/// <summary>What a target knows about an object already stored at a key.</summary>
/// <param name="Length">The object's length in bytes.</param>
/// <param name="StoredHash">The SHA3-224 recorded with the object, or <see langword="null"/> when the target keeps none.</param>
public sealed record PublishedObjectInfo(long Length, ImageHash? StoredHash);
