namespace Golem.VmImages.Building.Sources;

/// <summary>Normalizes the relative paths manifests use (<c>./blobs/sha256/…</c>, <c>blobs//x</c>).</summary>
internal static class ArchivePath
{
    public static string Normalize(string path)
    {
        var names = new List<string>();
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (name == "..")
            {
                if (names.Count > 0)
                {
                    names.RemoveAt(names.Count - 1);
                }
            }
            else if (name != ".")
            {
                names.Add(name);
            }
        }

        return string.Join('/', names);
    }
}
