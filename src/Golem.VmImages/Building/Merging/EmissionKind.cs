namespace Golem.VmImages.Building.Merging;

/// <summary>How a surviving path is written to the squashfs tool.</summary>
internal enum EmissionKind
{
    /// <summary>The entry as the layer holds it (with its data for a regular file).</summary>
    Entry,

    /// <summary>A hard link to <see cref="Emission.LinkPath"/>, written after it.</summary>
    HardLink,

    /// <summary>A hard link whose target did not survive the merge: the target's attributes and data at the link's path.</summary>
    Materialized,
}
