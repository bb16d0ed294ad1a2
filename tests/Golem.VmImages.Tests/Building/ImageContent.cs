using System.Formats.Tar;
using System.Text;

namespace Golem.VmImages.Tests.Building;

/// <summary>The files of a built image as squashfs-tools-ng's sqfs2tar reads them back (no mounting, no root needed).</summary>
public sealed class ImageContent
{
    private ImageContent(byte[] tar, Dictionary<string, Entry> items)
    {
        RawTar = tar;
        Items = items;
    }

    public byte[] RawTar { get; }

    public IReadOnlyDictionary<string, Entry> Items { get; }

    public static ImageContent Read(string gvmiPath)
    {
        var tar = ExternalTool.Run("sqfs2tar", gvmiPath);
        var items = new Dictionary<string, Entry>(StringComparer.Ordinal);
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            var name = Clean(entry.Name);
            var content = entry.DataStream is null ? string.Empty : new StreamReader(entry.DataStream, Encoding.UTF8).ReadToEnd();
            items[name] = new Entry(entry.EntryType, (int)entry.Mode, entry.Uid, entry.Gid, entry.LinkName, content, (entry as PosixTarEntry)?.DeviceMajor ?? 0, (entry as PosixTarEntry)?.DeviceMinor ?? 0);
        }

        // sqfs2tar writes the data once per inode and hard links for the other names: give every name its data.
        foreach (var (name, item) in items.ToList())
        {
            if (item.Type == TarEntryType.HardLink && items.TryGetValue(Clean(item.LinkName), out var target))
            {
                items[name] = item with { Content = target.Content };
            }
        }

        var listing = Encoding.UTF8.GetString(ExternalTool.Run("unsquashfs", "-lls", gvmiPath));
        var rootLine = listing.Split('\n').First(line => line.EndsWith(" squashfs-root", StringComparison.Ordinal));
        items[string.Empty] = new Entry(TarEntryType.Directory, ParseMode(rootLine[..10]), 0, 0, string.Empty, string.Empty, 0, 0);
        return new ImageContent(tar, items);
    }

    public Entry this[string path] => Items.TryGetValue(path, out var entry) ? entry : throw new AssertionException($"'{path}' is not in the image; it holds: {string.Join(", ", Items.Keys.Order(StringComparer.Ordinal))}");

    private static int ParseMode(string text)
    {
        // "drwxr-xr-x" as ls prints it (no setuid/sticky handling needed for a root directory).
        var mode = 0;
        foreach (var c in text[1..])
        {
            mode = (mode << 1) | (c == '-' ? 0 : 1);
        }

        return mode;
    }

    public static string Clean(string name)
    {
        while (name.StartsWith("./", StringComparison.Ordinal) || name.StartsWith('/'))
        {
            name = name[(name[0] == '.' ? 2 : 1)..];
        }

        return name is "." ? string.Empty : name.TrimEnd('/');
    }

    public sealed record Entry(TarEntryType Type, int Mode, int Uid, int Gid, string LinkName, string Content, int DeviceMajor, int DeviceMinor);
}
