namespace Golem.VmImages.Building.Merging;

/// <summary>The outcome of merging the layers' headers: what the second pass writes, and in which order.</summary>
internal sealed class MergePlan
{
    /// <summary>Gets the root directory, written first.</summary>
    public required MergeNode Root { get; init; }

    /// <summary>Gets the layer entries that survive, by <see cref="EntryId"/>, written in layer order.</summary>
    public required IReadOnlyDictionary<long, Emission> Winners { get; init; }

    /// <summary>Gets the entries whose data a materialized hard link needs although the entry itself did not survive.</summary>
    public required IReadOnlySet<long> Spilled { get; init; }

    /// <summary>Gets the paths no layer provides, written last, parents first.</summary>
    public required IReadOnlyList<MergeNode> Synthesized { get; init; }

    /// <summary>Gets the number of paths in the merged filesystem.</summary>
    public int PathCount => 1 + Winners.Count + Synthesized.Count;
}
