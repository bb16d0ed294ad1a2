namespace Golem.VmImages.Building;

/// <summary>The two passes of a build over the layers.</summary>
public enum GvmiBuildStage
{
    /// <summary>Reading the layers' headers and merging them.</summary>
    Merging,

    /// <summary>Reading the layers again and writing the surviving entries to the squashfs tool.</summary>
    Writing,
}
