using System.Text.Json;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Remembers an image's hash beside it (<c>.&lt;name&gt;.sha3-224.json</c>), keyed by size and modification time,
/// so <c>gvmi serve</c> hashes a multi-gigabyte image once, not at every start.
/// </summary>
internal static class HashSidecar
{
    public static string PathFor(string imagePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(imagePath))!, $".{Path.GetFileName(imagePath)}.sha3-224.json");

    public static ImageHash? TryRead(string imagePath, long length, DateTime lastWriteUtc)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(PathFor(imagePath)));
            var root = document.RootElement;
            return root.GetProperty("size").GetInt64() == length
                && root.GetProperty("mtimeTicks").GetInt64() == lastWriteUtc.Ticks
                && ImageHash.TryParse(root.GetProperty("sha3_224").GetString(), out var hash)
                    ? hash
                    : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Writes the sidecar (temp file, then rename); returns the reason when it could not be written.</summary>
    public static string? TryWrite(string imagePath, long length, DateTime lastWriteUtc, ImageHash hash)
    {
        var path = PathFor(imagePath);
        var temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("size", length);
                writer.WriteNumber("mtimeTicks", lastWriteUtc.Ticks);
                writer.WriteString("sha3_224", hash.ToString());
                writer.WriteEndObject();
            }

            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            return ex.Message;
        }
    }
}
