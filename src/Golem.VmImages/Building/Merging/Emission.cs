namespace Golem.VmImages.Building.Merging;

/// <summary>What to write for one surviving path.</summary>
/// <param name="Node">The path.</param>
/// <param name="Kind">How to write it.</param>
/// <param name="LinkPath">The target path of a hard link.</param>
internal sealed record Emission(MergeNode Node, EmissionKind Kind, string? LinkPath = null);
