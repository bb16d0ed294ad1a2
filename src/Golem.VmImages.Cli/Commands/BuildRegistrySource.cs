using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Building;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// What <c>gvmi build</c> adds for a registry source: how SOURCE is told apart from a local path, the pull options
/// (<c>--plain-http</c>, <c>--ca-file</c>, <c>--cache</c>, <c>--attempts</c>, <c>--json</c>) and the
/// lines that name the manifest built and its pinned reference.
/// </summary>
internal sealed class BuildRegistrySource
{
    public Option<bool> PlainHttp { get; } = new("--plain-http") { Description = "Allow a registry that is not on this machine to answer over plain http (loopback registries always may)." };

    public Option<FileInfo> CaFile { get; } = new("--ca-file") { Description = "A PEM file of CA certificates trusted for the registry's TLS certificate, besides the system store." };

    public Option<DirectoryInfo> Cache { get; } = new("--cache") { Description = "The cache directory pulled layers are kept in (by default the user's golem-vmimages cache, shared with gvmi fetch)." };

    public Option<int> Attempts { get; } = new("--attempts") { Description = "Attempts per registry request (connection failures, cut transfers, 408, 429, 5xx), 1 to 20.", DefaultValueFactory = _ => 5 };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON." };

    public void AddTo(Command command)
    {
        command.Options.Add(PlainHttp);
        command.Options.Add(CaFile);
        command.Options.Add(Cache);
        command.Options.Add(Attempts);
        command.Options.Add(Json);
    }

    /// <summary>
    /// Reads SOURCE: <c>docker://</c> forces a registry; a path that exists (file or directory) is a local source;
    /// anything else that parses as an image reference is pulled from its registry.
    /// </summary>
    public static ImageReference? Detect(string source, bool rootfs)
    {
        if (source.StartsWith("docker://", StringComparison.Ordinal))
        {
            try
            {
                return ImageReference.Parse(source);
            }
            catch (FormatException ex)
            {
                throw new UsageException(ex.Message);
            }
        }

        return rootfs || Path.Exists(source) || LooksLikePath(source) || !ImageReference.TryParse(source, out var reference) ? null : reference;
    }

    /// <summary>
    /// Whether a SOURCE that does not exist is still meant as a file: an archive's name (<c>.tar</c>, <c>.tar.gz</c>,
    /// <c>.tgz</c>, <c>.tar.zst</c>), so a mistyped file name says "No such file" instead of asking Docker Hub for it.
    /// </summary>
    private static bool LooksLikePath(string source) =>
        ArchiveSuffixes.Any(suffix => source.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] ArchiveSuffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst"];

    public OciPullOptions Read(ParseResult parseResult) => new()
    {
        AllowPlainHttp = parseResult.GetValue(PlainHttp),
        CaCertificateFile = parseResult.GetValue(CaFile)?.FullName,
        CacheDirectory = parseResult.GetValue(Cache)?.FullName ?? new OciPullOptions().CacheDirectory,
        MaxAttempts = parseResult.GetValue(Attempts),
    };

    public static async Task WriteResultAsync(TextWriter output, ImageReference? reference, GvmiBuildResult result, FileInfo outputFile, bool json)
    {
        var pinned = reference is not null && result.ManifestDigest is { } digest ? reference.WithDigest(digest) : null;
        if (json)
        {
            await output.WriteLineAsync(CliJson.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("imageHash", result.ImageHash.ToString());
                writer.WriteString("file", outputFile.FullName);
                writer.WriteNumber("fileLength", result.FileLength);
                writer.WriteNumber("layerCount", result.LayerCount);
                writer.WriteNumber("pathCount", result.PathCount);
                writer.WriteString("source", reference?.ToString());
                writer.WriteString("manifestDigest", result.ManifestDigest);
                writer.WriteString("pinnedReference", pinned is null ? null : PinnedName(pinned));
                writer.WriteEndObject();
            })).ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.ImageHash}  {outputFile.Name} ({result.FileLength} bytes, {result.LayerCount} layers, {result.PathCount} paths)")).ConfigureAwait(false);
        if (pinned is not null)
        {
            await output.WriteLineAsync($"Built {reference} = manifest {result.ManifestDigest}").ConfigureAwait(false);
            await output.WriteLineAsync($"Pinned: gvmi build {PinnedName(pinned)} -o {outputFile.Name} (rebuilds this image from its name)").ConfigureAwait(false);
        }
    }

    /// <summary>The pinned reference without the tag, so it parses back to a digest pull: <c>registry/repository@sha256:...</c>.</summary>
    private static string PinnedName(ImageReference pinned) => pinned.Registry + "/" + pinned.Repository + "@" + pinned.Digest;
}
