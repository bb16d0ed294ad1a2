namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Resolves a path the way <c>realpath(3)</c> does: absolute, every symbolic link along it followed, <c>.</c> and
/// <c>..</c> applied to the resolved directories. <c>gvmi serve</c> uses it to tell whether a link leads out of the
/// folders it serves.
/// </summary>
internal static class RealPath
{
    /// <summary>The limit on links followed, as Linux's <c>MAXSYMLINKS</c>.</summary>
    private const int MaxLinks = 40;

    /// <summary>The resolved path, or null when a component is missing or the links loop.</summary>
    public static string? TryResolve(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }

            var next = Path.Join(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is not { } target)
            {
                if (!info.Exists && !Directory.Exists(next))
                {
                    return null;
                }

                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
            }

            foreach (var component in target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(component);
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/> (resolved) lies inside <paramref name="directory"/> (resolved).</summary>
    public static bool IsInside(string path, string directory) =>
        path.Length > directory.Length
        && path.StartsWith(directory, StringComparison.Ordinal)
        && (directory.EndsWith(Path.DirectorySeparatorChar) || path[directory.Length] == Path.DirectorySeparatorChar);
}
