using System.Text.Json;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// Reads what <c>docker save</c>, <c>podman save</c> and <c>skopeo copy … docker-archive:</c> write: a
/// <c>manifest.json</c> listing each image's config and layer files. Layers may be uncompressed or compressed
/// (found by their magic); each is checked against the config's diff_ids.
/// </summary>
internal static class DockerArchiveReader
{
    public static bool IsArchive(ISourceFiles files) => files.Exists("manifest.json");

    public static IReadOnlyList<ImageCandidate> Candidates(ISourceFiles files)
    {
        using var manifest = Blobs.ReadJson(files, "manifest.json", null);
        if (manifest.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ImageBuildException(ErrorMessages.BuildSourceJson(files.Name, "manifest.json", "expected a JSON array"));
        }

        var candidates = new List<ImageCandidate>();
        foreach (var item in manifest.RootElement.EnumerateArray())
        {
            var configPath = Blobs.String(item, "Config", files, "manifest.json");
            var layerPaths = Blobs.Array(item, "Layers").Select(l => l.GetString() ?? string.Empty).ToArray();
            var tags = Blobs.Array(item, "RepoTags").Select(t => t.GetString() ?? string.Empty).ToArray();
            string? platform;
            using (var config = Blobs.ReadJson(files, configPath, null))
            {
                platform = ImageConfigReader.Platform(config.RootElement);
            }

            candidates.Add(new ImageCandidate(tags, platform, () => Load(files, configPath, layerPaths)));
        }

        return candidates;
    }

    private static SourceImage Load(ISourceFiles files, string configPath, string[] layerPaths)
    {
        var configDigest = Blobs.DigestOf(files, configPath);
        using var configJson = Blobs.ReadJson(files, configPath, configDigest);
        var (config, platform, diffIds) = ImageConfigReader.Read(configJson.RootElement, configDigest);
        if (layerPaths.Length != diffIds.Count)
        {
            throw new ImageBuildException(ErrorMessages.BuildLayerCount(layerPaths.Length, diffIds.Count));
        }

        var layers = new List<SourceLayer>(layerPaths.Length);
        for (var i = 0; i < layerPaths.Length; i++)
        {
            var path = layerPaths[i];
            if (!files.Exists(path))
            {
                throw new ImageBuildException(ErrorMessages.BuildSourceFileMissing(files.Name, path), i, null);
            }

            layers.Add(new SourceLayer
            {
                Index = i,
                Name = Blobs.LayerName(i, layerPaths.Length, diffIds[i]),
                StoredLength = files.Length(path),
                DiffId = diffIds[i],
                OpenBlob = () => files.Open(path),
            });
        }

        return new SourceImage { Layers = layers, Config = config, Platform = platform };
    }
}
