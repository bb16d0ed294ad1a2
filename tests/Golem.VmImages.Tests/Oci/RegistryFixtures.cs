using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Tests.Building;

namespace Golem.VmImages.Tests.Oci;

/// <summary>Tiny images for the registry tests, written as OCI layouts by hand (nothing is pulled from the internet).</summary>
internal static class RegistryFixtures
{
    /// <summary>A layer with one file whose content is random, of the given size (random, so gzip cannot shrink it).</summary>
    public static byte[] Layer(string path, int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return new LayerTar().Directory("opt/").FileBytes(path, data, 0x1A4).Build();
    }

    /// <summary>An OCI layout whose reference <paramref name="reference"/> is an index of one image per platform (<c>os/arch</c>), each with its layers.</summary>
    public static string WriteIndexLayout(string directory, string reference, IReadOnlyList<(string Platform, IReadOnlyList<byte[]> Layers)> images)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var manifests = new List<string>();
        foreach (var (platform, layers) in images)
        {
            var (os, arch) = (platform.Split('/')[0], platform.Split('/')[1]);
            var descriptors = layers.Select(layer => $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{WriteBlob(directory, layer)}\",\"size\":{layer.Length}}}");
            var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{arch}\",\"os\":\"{os}\",\"config\":{{}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(",", layers.Select(l => $"\"{TestImage.Digest(l)}\""))}]}}}}");
            var manifest = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{WriteBlob(directory, config)}\",\"size\":{config.Length}}},\"layers\":[{string.Join(",", descriptors)}]}}");
            manifests.Add($"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{WriteBlob(directory, manifest)}\",\"size\":{manifest.Length},\"platform\":{{\"architecture\":\"{arch}\",\"os\":\"{os}\"}}}}");
        }

        var index = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{string.Join(",", manifests)}]}}");
        File.WriteAllText(Path.Combine(directory, "index.json"), $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"{WriteBlob(directory, index)}\",\"size\":{index.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":{JsonSerializer.Serialize(reference)}}}}}]}}");
        return directory;
    }

    private static string WriteBlob(string directory, byte[] blob)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", digest[7..]), blob);
        return digest;
    }
}
