using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Golem.VmImages.Tests.Building;

/// <summary>Writes an OCI image layout by hand from layer tars (digests, diff_ids, config, index), for merge tests.</summary>
public static class TestImage
{
    public static string WriteLayout(string directory, IReadOnlyList<byte[]> layers, string? configJson = null, bool gzip = false, string? reference = "latest")
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var diffIds = layers.Select(Digest).ToList();
        var layerDescriptors = new List<string>();
        foreach (var layer in layers)
        {
            var blob = gzip ? Gzip(layer) : layer;
            var digest = WriteBlob(directory, blob);
            layerDescriptors.Add($"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar{(gzip ? "+gzip" : string.Empty)}\",\"digest\":\"{digest}\",\"size\":{blob.Length}}}");
        }

        var config = $"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{configJson ?? "{}"},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(",", diffIds.Select(d => $"\"{d}\""))}]}}}}";
        var configBytes = Encoding.UTF8.GetBytes(config);
        var configDigest = WriteBlob(directory, configBytes);
        var manifest = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{configDigest}\",\"size\":{configBytes.Length}}},\"layers\":[{string.Join(",", layerDescriptors)}]}}");
        var manifestDigest = WriteBlob(directory, manifest);
        var annotations = reference is null ? string.Empty : $",\"annotations\":{{\"org.opencontainers.image.ref.name\":{JsonSerializer.Serialize(reference)}}}";
        File.WriteAllText(Path.Combine(directory, "index.json"), $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length}{annotations}}}]}}");
        return directory;
    }

    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static string WriteBlob(string directory, byte[] blob)
    {
        var digest = Digest(blob);
        File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", digest[7..]), blob);
        return digest;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
