using Golem.VmImages.Building.Tar;

namespace Golem.VmImages.Building.Merging;

/// <summary>One path of the merged filesystem: which layer entry provides it, and its attributes.</summary>
internal sealed class MergeNode(string name, MergeNode? parent, TarEntry entry, long source)
{
    /// <summary>The source of a path no layer provides (a missing parent, a runtime file, the root).</summary>
    public const long Synthesized = -1;

    public string Name { get; } = name;

    public MergeNode? Parent { get; } = parent;

    /// <summary>Gets the children of a directory, or null for other types.</summary>
    public Dictionary<string, MergeNode>? Children { get; private set; } = entry.Type == TarEntryType.Directory ? new(StringComparer.Ordinal) : null;

    public TarEntry Entry { get; private set; } = entry;

    /// <summary>Gets the entry that provides this path (see <see cref="EntryId"/>), or <see cref="Synthesized"/>.</summary>
    public long Source { get; private set; } = source;

    /// <summary>Gets, for a hard link, the entry that holds the linked data; otherwise -1.</summary>
    public long LinkData { get; init; } = -1;

    /// <summary>Gets, for a hard link, the attributes of the entry that holds the linked data.</summary>
    public TarEntry? LinkTarget { get; init; }

    public bool IsDirectory => Children is not null;

    public bool IsHardLink => LinkData >= 0;

    /// <summary>Gets the path inside the image, without a leading slash (empty for the root).</summary>
    public string FullPath => Parent is null ? string.Empty : Parent.Parent is null ? Name : Parent.FullPath + "/" + Name;

    /// <summary>A directory over a directory keeps the children and takes the new attributes.</summary>
    public void Replace(TarEntry newEntry, long newSource)
    {
        Entry = newEntry;
        Source = newSource;
    }
}
