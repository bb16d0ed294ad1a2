using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Building;

/// <summary>What <see cref="GvmiBuilder"/>.BuildAsync wrote.</summary>
/// <param name="ImageHash">The SHA3-224 of the .gvmi file: its image hash.</param>
/// <param name="FileLength">The length of the .gvmi file.</param>
/// <param name="Config">The container config stored in the trailer.</param>
/// <param name="LayerCount">The number of layers merged.</param>
/// <param name="PathCount">The number of paths in the image, the root included.</param>
public sealed record GvmiBuildResult(ImageHash ImageHash, long FileLength, GvmiContainerConfig Config, int LayerCount, int PathCount)
{
    /// <summary>Gets the digest of the image manifest built from a registry (not of the index that led to it), or <see langword="null"/> for a local source.</summary>
    /// <remarks>With the repository, it pins the build: <c>registry/repository@&lt;digest&gt;</c> pulls the same manifest again.</remarks>
    public string? ManifestDigest { get; init; }
}
