using System.CommandLine;
using Golem.VmImages.Building;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi build SOURCE -o OUT.gvmi</c>: builds a .gvmi from a container image (OCI layout, oci-archive, docker-save
/// tar) or, with <c>--rootfs</c>, a plain root filesystem, without Docker; prints the image hash and the next step.
/// This is the definition (arguments and options); <see cref="BuildAction"/> runs it.
/// </summary>
internal sealed class BuildCommand : Command
{
    public BuildCommand()
        : base("build", "Build a bootable, reproducible .gvmi from a container image or a root filesystem, without Docker, and print its image hash.")
    {
        Arguments.Add(Source);
        foreach (var option in (Option[])[Output, Rootfs, Reference, Platform, Compression, Level, BlockSize, Tool, Epoch, Entrypoint, Cmd, Env, Workdir, Volume, User, NoRuntimeFiles, Force])
        {
            Options.Add(option);
        }

        Progress.AddTo(this);
        Registry.AddTo(this);
        Action = new BuildAction(this);
    }

    public Argument<string> Source { get; } = new("SOURCE") { Description = "An image in a registry (python:3.12-slim, registry.example.org/app@sha256:..., docker://NAME forces the registry), an OCI layout directory, an oci-archive or docker-save tar (a path that exists is read locally), or with --rootfs a root filesystem tar or directory." };

    public Option<FileInfo> Output { get; } = new("--output", "-o") { Description = "The .gvmi file to write.", Required = true };

    public Option<bool> Rootfs { get; } = new("--rootfs") { Description = "SOURCE is a plain root filesystem (tar, tar.gz, tar.zst or directory); the run configuration comes from the flags." };

    public Option<string> Reference { get; } = new("--ref") { Description = "The image to build when SOURCE holds several (a tag or name such as busybox:latest)." };

    public Option<string> Platform { get; } = new("--platform") { Description = "The platform to build when SOURCE holds several, as os/arch[/variant]; provider VMs run linux/amd64." };

    public Option<string> Compression { get; } = new("--compression") { Description = "The squashfs compressor: lzo (default, as gvmkit-build), gzip, lz4 (with --squashfs-tool sqfstar) or xz.", DefaultValueFactory = _ => "lzo" };

    public Option<int?> Level { get; } = new("--compression-level") { Description = "The level for gzip or lzo, 1 to 9." };

    public Option<int> BlockSize { get; } = new("--block-size") { Description = "The squashfs block size in bytes.", DefaultValueFactory = _ => 128 * 1024 };

    public Option<string> Tool { get; } = new("--squashfs-tool") { Description = "tar2sqfs (default, squashfs-tools-ng), sqfstar (squashfs-tools), or the path of either.", DefaultValueFactory = _ => "tar2sqfs" };

    public Option<long> Epoch { get; } = new("--source-date-epoch") { Description = "The time (Unix seconds) of the squashfs superblock and of the paths the build adds.", DefaultValueFactory = _ => 0 };

    public Option<string[]> Entrypoint { get; } = new("--entrypoint") { Description = "The entrypoint, replacing the image's; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string[]> Cmd { get; } = new("--cmd") { Description = "The default command, replacing the image's; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string[]> Env { get; } = new("--env") { Description = "An environment entry NAME=value, replacing the image's entry of that name; repeat for several.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string> Workdir { get; } = new("--workdir") { Description = "The working directory, replacing the image's." };

    public Option<string[]> Volume { get; } = new("--volume") { Description = "A volume path added to the image's; repeat for several.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string> User { get; } = new("--user") { Description = "Run the entrypoint as UID:GID (numeric); by default no user is written and the provider runs it as root, as for gvmkit-build images." };

    public Option<bool> NoRuntimeFiles { get; } = new("--no-docker-init-files") { Description = "Do not add /proc, /sys, /dev, /etc/hosts, /etc/resolv.conf and the other paths the provider VM needs (Docker's init layer)." };

    public Option<bool> Force { get; } = new("--force") { Description = "Replace OUT if it exists." };

    public ProgressOptions Progress { get; } = new();

    /// <summary>The options of a registry source: plain http, a CA file, the layer cache, attempts, and --json.</summary>
    public BuildRegistrySource Registry { get; } = new();

    public static Command Create() => new BuildCommand();

    /// <summary>The library's options for what the command line asks.</summary>
    public GvmiBuildOptions ReadOptions(ParseResult parseResult)
    {
        var options = new GvmiBuildOptions
        {
            SourceFormat = parseResult.GetValue(Rootfs) ? GvmiSourceFormat.RootFileSystem : GvmiSourceFormat.Image,
            Reference = parseResult.GetValue(Reference),
            Platform = parseResult.GetValue(Platform),
            Compression = ParseCompression(parseResult.GetRequiredValue(Compression)),
            CompressionLevel = parseResult.GetValue(Level),
            BlockSize = parseResult.GetValue(BlockSize),
            SourceDateEpoch = parseResult.GetValue(Epoch),
            Entrypoint = NullIfEmpty(parseResult.GetValue(Entrypoint)),
            Cmd = NullIfEmpty(parseResult.GetValue(Cmd)),
            Env = parseResult.GetValue(Env) ?? [],
            WorkingDir = parseResult.GetValue(Workdir),
            Volumes = parseResult.GetValue(Volume) ?? [],
            User = parseResult.GetValue(User),
            AddRuntimeFiles = !parseResult.GetValue(NoRuntimeFiles),
            Overwrite = parseResult.GetValue(Force),
            HashStore = new FileHashStore(FileHashStore.DefaultDirectory),
        };
        var toolName = parseResult.GetRequiredValue(Tool);
        (options.Tool, options.ToolPath) = toolName switch
        {
            "tar2sqfs" => (SquashfsTool.Tar2Sqfs, null),
            "sqfstar" => (SquashfsTool.Sqfstar, null),
            _ when Path.GetFileName(toolName).StartsWith("sqfstar", StringComparison.Ordinal) => (SquashfsTool.Sqfstar, toolName),
            _ => (SquashfsTool.Tar2Sqfs, toolName),
        };
        return options;
    }

    private static SquashfsCompression ParseCompression(string name) => name.ToLowerInvariant() switch
    {
        "lzo" => SquashfsCompression.Lzo,
        "gzip" => SquashfsCompression.Gzip,
        "lz4" => SquashfsCompression.Lz4,
        "xz" => SquashfsCompression.Xz,
        "zstd" or "lzma" => throw new UsageException(ErrorText.CompressionRefused(name)),
        _ => throw new UsageException(ErrorText.CompressionUnknown(name)),
    };

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
