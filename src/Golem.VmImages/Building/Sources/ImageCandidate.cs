namespace Golem.VmImages.Building.Sources;

/// <summary>One image a source offers: its names, its platform and how to load it.</summary>
internal sealed record ImageCandidate(IReadOnlyList<string> References, string? Platform, Func<SourceImage> Load)
{
    public override string ToString() =>
        (References.Count == 0 ? "(no name)" : string.Join(", ", References)) + " [" + (Platform ?? "unknown platform") + "]";
}
