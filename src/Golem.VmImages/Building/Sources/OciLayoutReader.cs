using System.Text.Json;

namespace Golem.VmImages.Building.Sources;

/// <summary>Reads an OCI image layout (a directory, or an oci-archive tar): index, nested indexes, manifests, configs.</summary>
internal static class OciLayoutReader
{
    private const string RefAnnotation = "org.opencontainers.image.ref.name";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";

    private static readonly HashSet<string> LayerTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };

    public static bool IsLayout(ISourceFiles files) => files.Exists("index.json");

    public static IReadOnlyList<ImageCandidate> Candidates(ISourceFiles files)
    {
        var candidates = new List<ImageCandidate>();
        using var index = Blobs.ReadJson(files, "index.json", null);
        foreach (var descriptor in Blobs.Array(index.RootElement, "manifests"))
        {
            var references = Reference(descriptor) is { } name ? new[] { name } : [];
            AddDescriptor(files, descriptor, references, candidates, depth: 0);
        }

        return candidates;
    }

    private static void AddDescriptor(ISourceFiles files, JsonElement descriptor, string[] references, List<ImageCandidate> candidates, int depth)
    {
        var mediaType = descriptor.TryGetProperty("mediaType", out var type) ? type.GetString() : null;
        var digest = Blobs.String(descriptor, "digest", files, "index.json");
        if (mediaType is OciIndex or DockerList)
        {
            if (depth > 4)
            {
                return;
            }

            using var nested = Blobs.ReadJson(files, Blobs.PathOf(digest), digest);
            foreach (var child in Blobs.Array(nested.RootElement, "manifests"))
            {
                AddDescriptor(files, child, Reference(child) is { } name ? [.. references, name] : references, candidates, depth + 1);
            }

            return;
        }

        var platform = descriptor.TryGetProperty("platform", out var p) ? ImageConfigReader.Platform(p) : null;
        if (platform is "unknown/unknown")
        {
            return; // build attestations stored beside the images
        }

        platform ??= PlatformFromConfig(files, digest);
        candidates.Add(new ImageCandidate(references, platform, () => LoadManifest(files, digest)));
    }

    private static string? Reference(JsonElement descriptor) =>
        descriptor.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object
        && annotations.TryGetProperty(RefAnnotation, out var name) ? name.GetString() : null;

    private static string? PlatformFromConfig(ISourceFiles files, string manifestDigest)
    {
        using var manifest = Blobs.ReadJson(files, Blobs.PathOf(manifestDigest), manifestDigest);
        var configDigest = Blobs.String(manifest.RootElement.GetProperty("config"), "digest", files, Blobs.PathOf(manifestDigest));
        using var config = Blobs.ReadJson(files, Blobs.PathOf(configDigest), configDigest);
        return ImageConfigReader.Platform(config.RootElement);
    }

    private static SourceImage LoadManifest(ISourceFiles files, string manifestDigest)
    {
        var manifestPath = Blobs.PathOf(manifestDigest);
        using var manifest = Blobs.ReadJson(files, manifestPath, manifestDigest);
        var root = manifest.RootElement;
        var configDigest = Blobs.String(root.TryGetProperty("config", out var c) ? c : default, "digest", files, manifestPath);
        using var configJson = Blobs.ReadJson(files, Blobs.PathOf(configDigest), configDigest);
        var (config, platform, diffIds) = ImageConfigReader.Read(configJson.RootElement, configDigest);
        var descriptors = Blobs.Array(root, "layers").ToList();
        if (descriptors.Count != diffIds.Count)
        {
            throw new ImageBuildException(ErrorMessages.BuildLayerCount(descriptors.Count, diffIds.Count));
        }

        var layers = new List<SourceLayer>(descriptors.Count);
        for (var i = 0; i < descriptors.Count; i++)
        {
            var digest = Blobs.String(descriptors[i], "digest", files, manifestPath);
            var name = Blobs.LayerName(i, descriptors.Count, digest);
            var mediaType = descriptors[i].TryGetProperty("mediaType", out var type) ? type.GetString() ?? string.Empty : string.Empty;
            if (!LayerTypes.Contains(mediaType))
            {
                throw new ImageBuildException(ErrorMessages.BuildUnsupportedMediaType(name, mediaType), i, null);
            }

            var path = Blobs.PathOf(digest);
            if (!files.Exists(path))
            {
                throw new ImageBuildException(ErrorMessages.BuildSourceFileMissing(files.Name, path), i, null);
            }

            var size = descriptors[i].TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : files.Length(path);
            layers.Add(new SourceLayer
            {
                Index = i,
                Name = name,
                StoredLength = size,
                BlobDigest = digest,
                DiffId = diffIds[i],
                OpenBlob = () => files.Open(path),
            });
        }

        return new SourceImage { Layers = layers, Config = config, Platform = platform };
    }
}
