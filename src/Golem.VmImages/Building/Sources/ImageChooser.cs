namespace Golem.VmImages.Building.Sources;

/// <summary>Picks the one image a build uses among those a source offers, by reference and platform.</summary>
internal static class ImageChooser
{
    /// <summary>The platform of the provider VMs, required unless the caller names another.</summary>
    public const string ProviderPlatform = "linux/amd64";

    public static SourceImage Choose(string source, IReadOnlyList<ImageCandidate> candidates, string? reference, string? platform)
    {
        var matching = candidates
            .Where(c => reference is null || c.References.Any(r => Matches(r, reference)))
            .Where(c => platform is null || string.Equals(c.Platform, platform, StringComparison.Ordinal))
            .ToList();
        if (platform is null && matching.Count > 1 && matching.Where(c => string.Equals(c.Platform, ProviderPlatform, StringComparison.Ordinal)).ToList() is [var provider])
        {
            // Several platforms under one name, as a registry index: the provider VMs' platform is the default.
            matching = [provider];
        }

        var available = string.Join("; ", candidates);
        if (matching.Count == 0)
        {
            var wanted = string.Join(" and ", new[] { reference is null ? null : "--ref " + reference, platform is null ? null : "--platform " + platform }.OfType<string>());
            throw new ImageBuildException(ErrorMessages.BuildNoImage(source, wanted, available));
        }

        if (matching.Count > 1)
        {
            throw new ImageBuildException(ErrorMessages.BuildAmbiguous(source, available));
        }

        var image = matching[0].Load();
        if (platform is null && image.Platform is { } actual && !string.Equals(actual, ProviderPlatform, StringComparison.Ordinal))
        {
            throw new ImageBuildException(ErrorMessages.BuildWrongPlatform(actual));
        }

        return image;
    }

    /// <summary>Compares image names the way registries abbreviate them: <c>busybox</c> is <c>docker.io/library/busybox:latest</c>.</summary>
    internal static bool Matches(string name, string wanted) =>
        string.Equals(name, wanted, StringComparison.Ordinal) || string.Equals(Canonical(name), Canonical(wanted), StringComparison.Ordinal);

    private static string Canonical(string name)
    {
        var lastSlash = name.LastIndexOf('/');
        if (name.IndexOf(':', lastSlash + 1) < 0 && !name.Contains('@', StringComparison.Ordinal))
        {
            name += ":latest";
        }

        var firstSlash = name.IndexOf('/');
        var first = firstSlash < 0 ? string.Empty : name[..firstSlash];
        if (firstSlash < 0 || !(first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            name = "docker.io/" + name;
        }

        return name.StartsWith("docker.io/", StringComparison.Ordinal) && name.IndexOf('/', "docker.io/".Length) < 0
            ? "docker.io/library/" + name["docker.io/".Length..]
            : name;
    }
}
