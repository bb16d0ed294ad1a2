using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Building;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi build SOURCE -o OUT.gvmi</c>: builds a .gvmi from a container image (OCI layout, oci-archive, docker-save
/// tar) or, with <c>--rootfs</c>, a plain root filesystem, without Docker; prints the image hash and the next step.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE") { Description = "An OCI layout directory, an oci-archive or docker-save tar (skopeo copy, docker save, podman save), or with --rootfs a root filesystem tar or directory." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The .gvmi file to write.", Required = true };
        var rootfs = new Option<bool>("--rootfs") { Description = "SOURCE is a plain root filesystem (tar, tar.gz, tar.zst or directory); the run configuration comes from the flags." };
        var reference = new Option<string>("--ref") { Description = "The image to build when SOURCE holds several (a tag or name such as busybox:latest)." };
        var platform = new Option<string>("--platform") { Description = "The platform to build when SOURCE holds several, as os/arch[/variant]; provider VMs run linux/amd64." };
        var compression = new Option<string>("--compression") { Description = "The squashfs compressor: lzo (default, as gvmkit-build), gzip, lz4 (with --squashfs-tool sqfstar) or xz.", DefaultValueFactory = _ => "lzo" };
        var level = new Option<int?>("--compression-level") { Description = "The level for gzip or lzo, 1 to 9." };
        var blockSize = new Option<int>("--block-size") { Description = "The squashfs block size in bytes.", DefaultValueFactory = _ => 128 * 1024 };
        var tool = new Option<string>("--squashfs-tool") { Description = "tar2sqfs (default, squashfs-tools-ng), sqfstar (squashfs-tools), or the path of either.", DefaultValueFactory = _ => "tar2sqfs" };
        var epoch = new Option<long>("--source-date-epoch") { Description = "The time (Unix seconds) of the squashfs superblock and of the paths the build adds.", DefaultValueFactory = _ => 0 };
        var entrypoint = new Option<string[]>("--entrypoint") { Description = "The entrypoint, replacing the image's; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Option<string[]>("--cmd") { Description = "The default command, replacing the image's; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };
        var env = new Option<string[]>("--env") { Description = "An environment entry NAME=value, replacing the image's entry of that name; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var workdir = new Option<string>("--workdir") { Description = "The working directory, replacing the image's." };
        var volume = new Option<string[]>("--volume") { Description = "A volume path added to the image's; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var user = new Option<string>("--user") { Description = "Run the entrypoint as UID:GID (numeric); by default no user is written and the provider runs it as root, as for gvmkit-build images." };
        var noRuntimeFiles = new Option<bool>("--no-docker-init-files") { Description = "Do not add /proc, /sys, /dev, /etc/hosts, /etc/resolv.conf and the other paths the provider VM needs (Docker's init layer)." };
        var force = new Option<bool>("--force") { Description = "Replace OUT if it exists." };
        var command = new Command("build", "Build a bootable, reproducible .gvmi from a container image or a root filesystem, without Docker, and print its image hash.")
        {
            source, output, rootfs, reference, platform, compression, level, blockSize, tool, epoch,
            entrypoint, cmd, env, workdir, volume, user, noRuntimeFiles, force,
        };
        var progress = new ProgressOptions();
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var outputFile = parseResult.GetRequiredValue(output);
            if (await ImageFileInput.RefuseSpecialFileAsync(error, "build", parseResult.GetRequiredValue(source), allowDirectory: true).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            try
            {
                var options = new GvmiBuildOptions
                {
                    SourceFormat = parseResult.GetValue(rootfs) ? GvmiSourceFormat.RootFileSystem : GvmiSourceFormat.Image,
                    Reference = parseResult.GetValue(reference),
                    Platform = parseResult.GetValue(platform),
                    Compression = ParseCompression(parseResult.GetRequiredValue(compression)),
                    CompressionLevel = parseResult.GetValue(level),
                    BlockSize = parseResult.GetValue(blockSize),
                    SourceDateEpoch = parseResult.GetValue(epoch),
                    Entrypoint = NullIfEmpty(parseResult.GetValue(entrypoint)),
                    Cmd = NullIfEmpty(parseResult.GetValue(cmd)),
                    Env = parseResult.GetValue(env) ?? [],
                    WorkingDir = parseResult.GetValue(workdir),
                    Volumes = parseResult.GetValue(volume) ?? [],
                    User = parseResult.GetValue(user),
                    AddRuntimeFiles = !parseResult.GetValue(noRuntimeFiles),
                    Overwrite = parseResult.GetValue(force),
                };
                var toolName = parseResult.GetRequiredValue(tool);
                (options.Tool, options.ToolPath) = toolName switch
                {
                    "tar2sqfs" => (SquashfsTool.Tar2Sqfs, null),
                    "sqfstar" => (SquashfsTool.Sqfstar, null),
                    _ when Path.GetFileName(toolName).StartsWith("sqfstar", StringComparison.Ordinal) => (SquashfsTool.Sqfstar, toolName),
                    _ => (SquashfsTool.Tar2Sqfs, toolName),
                };

                GvmiBuildResult result;
                var display = new BuildProgressDisplay(error, "building " + outputFile.Name, progress.Read(parseResult), cancellationToken);
                await using (display.ConfigureAwait(false))
                {
                    options.Progress = display;
                    result = await GvmiBuilder.BuildAsync(parseResult.GetRequiredValue(source), outputFile.FullName, options, cancellationToken).ConfigureAwait(false);
                }

                var text = parseResult.InvocationConfiguration.Output;
                await text.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.ImageHash}  {outputFile.Name} ({result.FileLength} bytes, {result.LayerCount} layers, {result.PathCount} paths)")).ConfigureAwait(false);
                await text.WriteLineAsync($"Next: gvmi package {Quote(outputFile.Name)} --url https://YOUR-HOST/{Uri.EscapeDataString(outputFile.Name)}").ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("gvmi build: interrupted; nothing was written.").ConfigureAwait(false);
                return ExitCodes.Canceled;
            }
            catch (UsageException ex)
            {
                await error.WriteLineAsync($"gvmi build: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (Exception ex) when (ex is ImageBuildException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"gvmi build: {ErrorText.Describe(ex)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
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

    private static string Quote(string name) => name.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\') ? "'" + name.Replace("'", "'\\''", StringComparison.Ordinal) + "'" : name;

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    private sealed class UsageException(string message) : Exception(message);
}
