using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Building.Sources;

/// <summary>The image chosen from a source: its layers, bottom first, and its configuration.</summary>
internal sealed class SourceImage
{
    public required IReadOnlyList<SourceLayer> Layers { get; init; }

    /// <summary>Gets the image's run configuration, with <see cref="GvmiContainerConfig.Image"/> set to the config digest (bare hex).</summary>
    public required GvmiContainerConfig Config { get; init; }

    /// <summary>Gets the image's platform as <c>os/architecture[/variant]</c>, or null when unknown.</summary>
    public string? Platform { get; init; }
}
