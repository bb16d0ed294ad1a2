namespace Golem.VmImages.Building;

/// <summary>The program that turns the merged tar stream into a squashfs image.</summary>
public enum SquashfsTool
{
    /// <summary><c>tar2sqfs</c> from squashfs-tools-ng: strict (refuses duplicate paths and dangling links) and reproducible.</summary>
    Tar2Sqfs,

    /// <summary><c>sqfstar</c> from squashfs-tools 4.5 or later; note that it lowers file times later than the source date epoch to it.</summary>
    Sqfstar,
}
