using System.Text.Json;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Building.Sources;

/// <summary>Reads an OCI or Docker image config: the run configuration, the platform and the layers' diff_ids.</summary>
internal static class ImageConfigReader
{
    public static (GvmiContainerConfig Config, string? Platform, IReadOnlyList<string> DiffIds) Read(JsonElement root, string configDigest)
    {
        var platform = Platform(root);
        var diffIds = root.TryGetProperty("rootfs", out var rootfs) && rootfs.TryGetProperty("diff_ids", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(id => id.GetString() ?? string.Empty).ToArray()
            : [];

        // The run configuration has the container config's PascalCase keys: reuse its reader.
        var run = root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object
            ? GvmiContainerConfig.Parse(System.Text.Encoding.UTF8.GetBytes(config.GetRawText()))
            : new GvmiContainerConfig();
        run = run with
        {
            Volumes = [.. run.Volumes.Order(StringComparer.Ordinal)],
            Labels = new SortedDictionary<string, string>(run.Labels.ToDictionary(), StringComparer.Ordinal),
            Image = configDigest.StartsWith("sha256:", StringComparison.Ordinal) ? configDigest["sha256:".Length..] : configDigest,
            Hostname = null,
        };
        return (run, platform, diffIds);
    }

    /// <summary>Reads <c>os</c>, <c>architecture</c> and <c>variant</c> of a config or an index's platform object.</summary>
    public static string? Platform(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("os", out var os) || !element.TryGetProperty("architecture", out var architecture))
        {
            return null;
        }

        var text = os.GetString() + "/" + architecture.GetString();
        return element.TryGetProperty("variant", out var variant) && variant.GetString() is { Length: > 0 } v ? text + "/" + v : text;
    }
}
