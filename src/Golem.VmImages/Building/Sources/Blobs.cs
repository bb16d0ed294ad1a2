using System.Security.Cryptography;
using System.Text.Json;

namespace Golem.VmImages.Building.Sources;

/// <summary>Reads the small JSON blobs of an image (indexes, manifests, configs) and checks them against their digests.</summary>
internal static class Blobs
{
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public static string PathOf(string digest) =>
        digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length == 71 && !digest.AsSpan(7).ContainsAnyExcept(LowerHex)
            ? "blobs/sha256/" + digest[7..]
            : throw new ImageBuildException(ErrorMessages.BuildUnsupportedDigest(digest));

    public static JsonDocument ReadJson(ISourceFiles files, string path, string? digest)
    {
        byte[] bytes;
        using (var stream = files.Open(path))
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            bytes = buffer.ToArray();
        }

        if (digest is not null)
        {
            var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, digest, StringComparison.Ordinal))
            {
                throw new ImageBuildException(ErrorMessages.BuildDigestMismatch("'" + path + "' in " + files.Name, digest, actual));
            }
        }

        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new ImageBuildException(ErrorMessages.BuildSourceJson(files.Name, path, ex.Message), ex);
        }
    }

    public static string DigestOf(ISourceFiles files, string path)
    {
        using var stream = files.Open(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string String(JsonElement element, string name, ISourceFiles files, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ImageBuildException(ErrorMessages.BuildSourceJson(files.Name, path, "expected a string '" + name + "'"));

    public static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    public static string LayerName(int index, int count, string digest) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"layer {index + 1} of {count} ({(digest.Length > 19 ? digest[..19] : digest)})");
}
