using Golem.VmImages.Building.Tar;

namespace Golem.VmImages.Building.Merging;

/// <summary>
/// Applies layers' headers in order to an in-memory tree by the OCI layer rules: whiteouts and opaque whiteouts
/// hide what lower layers hold (never the same layer's entries), a directory over a directory keeps its children,
/// anything else replaces the path and its subtree. No file data is held: only which entry wins each path.
/// </summary>
internal sealed class LayerMerger
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    private readonly long _syntheticTime;
    private readonly MergeNode _root;

    /// <param name="syntheticTime">The modification time of the paths the merger adds (missing parents, runtime files, the root).</param>
    public LayerMerger(long syntheticTime)
    {
        _syntheticTime = syntheticTime;
        _root = new MergeNode(string.Empty, null, Directory(string.Empty), MergeNode.Synthesized);
    }

    /// <summary>Applies one layer: its whiteouts first (they hide only lower layers), then its entries in order.</summary>
    /// <param name="layer">The layer's index.</param>
    /// <param name="layerName">How messages name the layer.</param>
    /// <param name="entries">The layer's entries in archive order.</param>
    /// <exception cref="ImageBuildException">An entry breaks the rules.</exception>
    public void ApplyLayer(int layer, string layerName, IReadOnlyList<TarEntry> entries)
    {
        var paths = new string[entries.Count][];
        for (var i = 0; i < entries.Count; i++)
        {
            paths[i] = Normalize(entries[i].Path, layer, layerName);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (paths[i] is [.., var last] && last.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(paths[i], layer, layerName, entries[i].Path);
            }
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (paths[i] is not [.., var last] || !last.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyEntry(paths[i], entries[i], EntryId.Of(layer, i), layer, layerName);
            }
        }
    }

    /// <summary>
    /// Adds what the provider VM's init needs, as Docker's init layer does for images gvmkit-build makes: the
    /// directories <c>/proc /sys /dev /dev/pts /dev/shm /etc</c>, regular files <c>/etc/hosts /etc/resolv.conf
    /// /etc/hostname /dev/console /.dockerenv</c> (a regular file already there keeps its content; anything else, such
    /// as a dangling symbolic link, is replaced by an empty file), <c>/etc/mtab -&gt; /proc/mounts</c>, and a root
    /// directory owned by root with mode 0755.
    /// </summary>
    public void AddRuntimeFiles()
    {
        _root.Replace(Directory(string.Empty), MergeNode.Synthesized);
        foreach (var directory in (string[])["proc", "sys", "dev", "dev/pts", "dev/shm", "etc"])
        {
            var path = directory.Split('/');
            var existing = Find(path);
            if (existing is not { IsDirectory: true })
            {
                Put(path, Directory(directory), MergeNode.Synthesized);
            }
        }

        foreach (var file in (string[])["etc/hosts", "etc/resolv.conf", "etc/hostname", "dev/console", ".dockerenv"])
        {
            var path = file.Split('/');
            var existing = Find(path);
            if (existing is not { Entry.Type: TarEntryType.RegularFile, IsHardLink: false })
            {
                Put(path, new TarEntry { Path = file, Type = TarEntryType.RegularFile, Mode = 0x1A4, ModificationTime = _syntheticTime }, MergeNode.Synthesized);
            }
        }

        Put(["etc", "mtab"], new TarEntry { Path = "etc/mtab", Type = TarEntryType.SymbolicLink, Mode = 0x1FF, LinkName = "/proc/mounts", ModificationTime = _syntheticTime }, MergeNode.Synthesized);
    }

    /// <summary>Decides what the second pass writes.</summary>
    public MergePlan CreatePlan()
    {
        var winners = new Dictionary<long, Emission>();
        var synthesized = new List<MergeNode>();
        var links = new List<MergeNode>();
        var stack = new Stack<MergeNode>(_root.Children!.Values);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.IsHardLink)
            {
                links.Add(node);
            }
            else if (node.Source == MergeNode.Synthesized)
            {
                synthesized.Add(node);
            }
            else
            {
                winners.Add(node.Source, new Emission(node, EmissionKind.Entry));
            }

            foreach (var child in node.Children?.Values ?? Enumerable.Empty<MergeNode>())
            {
                stack.Push(child);
            }
        }

        // A hard link whose data entry survives links to it; the links to a data entry that did not survive become
        // one regular file (the earliest link) and links to that file.
        var spilled = new HashSet<long>();
        foreach (var group in links.GroupBy(link => link.LinkData))
        {
            var ordered = group.OrderBy(link => link.Source).ToList();
            string target;
            var rest = ordered.AsEnumerable();
            if (winners.TryGetValue(group.Key, out var data))
            {
                target = data.Node.FullPath;
            }
            else
            {
                var first = ordered[0];
                winners.Add(first.Source, new Emission(first, EmissionKind.Materialized));
                if (first.LinkTarget!.Type == TarEntryType.RegularFile && first.LinkTarget.Size > 0)
                {
                    spilled.Add(group.Key);
                }

                target = first.FullPath;
                rest = ordered.Skip(1);
            }

            foreach (var link in rest)
            {
                winners.Add(link.Source, new Emission(link, EmissionKind.HardLink, target));
            }
        }

        synthesized.Sort((a, b) => string.CompareOrdinal(a.FullPath, b.FullPath));
        return new MergePlan { Root = _root, Winners = winners, Spilled = spilled, Synthesized = synthesized };
    }

    private void ApplyWhiteout(string[] path, int layer, string layerName, string rawPath)
    {
        var name = path[^1];
        var parent = Find(path.AsSpan(0, path.Length - 1));
        if (name == OpaqueWhiteout)
        {
            // Everything the lower layers put in the directory goes; this layer's own entries are applied after.
            parent?.Children?.Clear();
            return;
        }

        if (name.Length == WhiteoutPrefix.Length || name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
        {
            throw new ImageBuildException(ErrorMessages.BuildBadWhiteout(layerName, Display(rawPath)), layer, Display(rawPath));
        }

        parent?.Children?.Remove(name[WhiteoutPrefix.Length..]);
    }

    private void ApplyEntry(string[] path, TarEntry entry, long id, int layer, string layerName)
    {
        if (path.Length == 0)
        {
            if (entry.Type != TarEntryType.Directory)
            {
                throw new ImageBuildException(ErrorMessages.BuildParentNotDirectory(layerName, Display(entry.Path)), layer, Display(entry.Path));
            }

            // The root is written first, before any layer entry, with the last attributes a layer gave it.
            _root.Replace(entry, MergeNode.Synthesized);
            return;
        }

        if (entry.Type == TarEntryType.HardLink)
        {
            var targetPath = Normalize(entry.LinkName, layer, layerName);
            var target = Find(targetPath);
            if (target is null || target.IsDirectory)
            {
                throw new ImageBuildException(ErrorMessages.BuildDanglingHardLink(layerName, Display(entry.Path), Display(entry.LinkName)), layer, Display(entry.Path));
            }

            var link = target.IsHardLink
                ? new { Data = target.LinkData, Target = target.LinkTarget! }
                : new { Data = target.Source, Target = target.Entry };
            Put(path, entry, id, layer, layerName, link.Data, link.Target);
            return;
        }

        Put(path, entry, id, layer, layerName);
    }

    private void Put(string[] path, TarEntry entry, long id, int layer = -1, string? layerName = null, long linkData = -1, TarEntry? linkTarget = null)
    {
        var parent = _root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            if (!parent.Children!.TryGetValue(path[i], out var next))
            {
                next = new MergeNode(path[i], parent, Directory(string.Join('/', path[..(i + 1)])), MergeNode.Synthesized);
                parent.Children.Add(path[i], next);
            }
            else if (!next.IsDirectory)
            {
                var shown = Display(string.Join('/', path));
                throw new ImageBuildException(ErrorMessages.BuildParentNotDirectory(layerName ?? "the runtime files", shown), layer < 0 ? null : layer, shown);
            }

            parent = next;
        }

        var name = path[^1];
        if (parent.Children!.TryGetValue(name, out var existing) && existing.IsDirectory && entry.Type == TarEntryType.Directory)
        {
            existing.Replace(entry, id);
            return;
        }

        parent.Children[name] = new MergeNode(name, parent, entry, id) { LinkData = linkData, LinkTarget = linkTarget };
    }

    private MergeNode? Find(ReadOnlySpan<string> path)
    {
        var node = _root;
        foreach (var name in path)
        {
            if (node.Children is null || !node.Children.TryGetValue(name, out node))
            {
                return null;
            }
        }

        return node;
    }

    private TarEntry Directory(string path) => new() { Path = path, Type = TarEntryType.Directory, Mode = 0x1ED, ModificationTime = _syntheticTime };

    /// <summary>Splits a layer path into names: leading <c>./</c> and <c>/</c>, empty and <c>.</c> names dropped; <c>..</c> and NUL refused.</summary>
    internal static string[] Normalize(string rawPath, int layer, string layerName)
    {
        var names = rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var result = new List<string>(names.Length);
        foreach (var name in names)
        {
            if (name == "..")
            {
                throw new ImageBuildException(ErrorMessages.BuildPathEscapes(layerName, Display(rawPath)), layer, Display(rawPath));
            }

            if (name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ImageBuildException(ErrorMessages.BuildPathNul(layerName, Display(rawPath)), layer, Display(rawPath));
            }

            if (name != ".")
            {
                result.Add(name);
            }
        }

        return [.. result];
    }

    /// <summary>Shows a Latin-1 byte-string path as the UTF-8 text it most likely is.</summary>
    internal static string Display(string latin1Path) => System.Text.Encoding.UTF8.GetString(System.Text.Encoding.Latin1.GetBytes(latin1Path));
}
