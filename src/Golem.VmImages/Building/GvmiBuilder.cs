using Golem.VmImages.Building.Merging;
using Golem.VmImages.Building.Sources;
using Golem.VmImages.Building.Squashfs;
using Golem.VmImages.Building.Tar;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Hashing;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Building;

/// <summary>
/// Builds a .gvmi from a container image (OCI layout, oci-archive, docker-save) or a plain root filesystem, without
/// Docker and without root: the layers are merged by the OCI rules while streaming (headers first, then the data of
/// the surviving entries), fed as one deterministic tar to <c>tar2sqfs</c> or <c>sqfstar</c>, and the container
/// config is appended as gvmkit-build does. The same source and options give a byte-identical file.
/// </summary>
public static class GvmiBuilder
{
    /// <summary>Builds <paramref name="outputPath"/> from <paramref name="source"/>.</summary>
    /// <param name="source">An OCI layout directory, an oci-archive or docker-save tar, or (with <see cref="GvmiSourceFormat.RootFileSystem"/>) a root filesystem tar or directory.</param>
    /// <param name="outputPath">The .gvmi file to write; it appears only when complete (written beside it under a temporary name, then renamed).</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the build; the temporary files are removed.</param>
    /// <returns>The image hash and what was written.</returns>
    /// <exception cref="ArgumentNullException">A path is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A path is empty or an option is out of range.</exception>
    /// <exception cref="ImageBuildException">The source cannot be built (the message names the layer and path), the output exists without <see cref="GvmiBuildOptions.Overwrite"/>, or the squashfs tool is missing or failed.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public static Task<GvmiBuildResult> BuildAsync(string source, string outputPath, GvmiBuildOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        options ??= new GvmiBuildOptions();
        options.Validate();
        return BuildCoreAsync(Path.GetFullPath(outputPath), options, async ct => (await SourceReader.OpenAsync(source, options, ct).ConfigureAwait(false), null), cancellationToken);
    }

    /// <summary>
    /// Builds <paramref name="outputPath"/> from an image in a container registry (the OCI distribution API), without
    /// Docker: an index resolves to <see cref="GvmiBuildOptions.Platform"/> (<c>linux/amd64</c> by default); every
    /// manifest and blob is checked against its digest while it streams; layers download a few at a time into the
    /// blob cache (<see cref="OciPullOptions.CacheDirectory"/>), so a second build downloads only changed layers; the
    /// merge starts as soon as the first layer is there. Pull options are <see cref="GvmiBuildOptions.Registry"/>.
    /// </summary>
    /// <param name="reference">The image, such as <c>ImageReference.Parse("python:3.12-slim")</c>; a digest reference pins the build.</param>
    /// <param name="outputPath">The .gvmi file to write; it appears only when complete.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the build and the downloads; verified blobs stay cached, a cut download resumes next time.</param>
    /// <returns>The image hash, what was written, and the manifest digest built (<see cref="GvmiBuildResult.ManifestDigest"/>; <see cref="ImageReference.WithDigest"/> gives the pinned reference).</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The output path is empty or an option is out of range.</exception>
    /// <exception cref="OciRegistryAuthorizationException">The registry refused the credentials (401/403), or a configured credential helper is missing or failed.</exception>
    /// <exception cref="OciImageNotFoundException">The registry does not know the repository, tag or digest, or the index has no image for the platform.</exception>
    /// <exception cref="OciDigestMismatchException">A manifest or blob did not hash to its digest.</exception>
    /// <exception cref="OciRegistryRequestException">The registry could not be reached or kept failing after the retries, or refused a request otherwise.</exception>
    /// <exception cref="ImageBuildException">The image cannot be built (as for a local source), or the output exists without <see cref="GvmiBuildOptions.Overwrite"/>.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public static Task<GvmiBuildResult> BuildAsync(ImageReference reference, string outputPath, GvmiBuildOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        options ??= new GvmiBuildOptions();
        options.Validate();
        if (options.SourceFormat != GvmiSourceFormat.Image)
        {
            throw new ArgumentException(ErrorMessages.BuildRegistryRootfs, nameof(options));
        }

        return BuildCoreAsync(Path.GetFullPath(outputPath), options, async ct =>
        {
            var pulled = await RegistrySource.OpenAsync(reference, options, ct).ConfigureAwait(false);
            return (pulled.Image, pulled);
        }, cancellationToken);
    }

    private static async Task<GvmiBuildResult> BuildCoreAsync(string output, GvmiBuildOptions options, Func<CancellationToken, Task<(SourceImage Image, RegistrySource? Registry)>> open, CancellationToken cancellationToken)
    {
        if (!options.Overwrite && File.Exists(output))
        {
            throw new ImageBuildException(ErrorMessages.BuildOutputExists(output));
        }

        var tool = SquashfsToolRunner.Locate(options);
        var (image, registry) = await open(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await BuildImageAsync(output, options, tool, image, cancellationToken).ConfigureAwait(false);
            return registry is null ? result : result with { ManifestDigest = registry.ManifestDigest };
        }
        finally
        {
            if (registry is not null)
            {
                await registry.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<GvmiBuildResult> BuildImageAsync(string output, GvmiBuildOptions options, string tool, SourceImage image, CancellationToken cancellationToken)
    {
        var progress = new BuildProgress(options.Progress, 2 * image.Layers.Sum(layer => layer.StoredLength));

        var plan = await MergeAsync(image, options, progress, cancellationToken).ConfigureAwait(false);
        var config = Compose(image.Config, options);

        // Everything is written beside the output and renamed at the end: a failure or Ctrl-C leaves nothing at the
        // output path and removes the temporary files.
        var stem = string.Concat(output, ".", Guid.NewGuid().ToString("N")[..8]);
        var squashfsPath = stem + ".sqfs.tmp";
        var gvmiPath = stem + ".tmp";
        var spillPath = stem + ".links.tmp";
        try
        {
            progress.Stage = GvmiBuildStage.Writing;
            var runner = SquashfsToolRunner.Start(tool, options, plan.Root.Entry, squashfsPath);
            await using (runner.ConfigureAwait(false))
            {
                Exception? inputFailure = null;
                try
                {
                    await WriteTarAsync(image, plan, runner.Input, spillPath, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    inputFailure = ex;
                }

                await runner.CompleteAsync(inputFailure, cancellationToken).ConfigureAwait(false);
            }

            SquashfsSuperblock.Check(squashfsPath, options.Compression, Path.GetFileName(tool));
            GvmiWriteResult written;
            FileIdentity identity;
            var squashfs = new FileStream(squashfsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (squashfs.ConfigureAwait(false))
            {
                var gvmi = new FileStream(gvmiPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await using (gvmi.ConfigureAwait(false))
                {
                    written = await GvmiFile.WriteAsync(squashfs, config, gvmi, cancellationToken).ConfigureAwait(false);
                    gvmi.Flush(flushToDisk: true);
                    identity = FileIdentity.Of(gvmiPath, gvmi.SafeFileHandle);
                }
            }

            File.Move(gvmiPath, output, options.Overwrite);
            options.HashStore?.RecordIfRenamedUnchanged(output, identity, written.ImageHash);
            return new GvmiBuildResult(written.ImageHash, written.FileLength, config, image.Layers.Count, plan.PathCount);
        }
        finally
        {
            foreach (var path in (string[])[squashfsPath, gvmiPath, spillPath])
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<MergePlan> MergeAsync(SourceImage image, GvmiBuildOptions options, BuildProgress progress, CancellationToken cancellationToken)
    {
        var merger = new LayerMerger(options.SourceDateEpoch);
        foreach (var layer in image.Layers)
        {
            if (layer.Ready is { } ready)
            {
                await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var entries = new List<TarEntry>();
            using (var stream = layer.OpenTar(progress))
            {
                var reader = new TarReader(stream.Tar);
                await ReadLayerAsync(layer, entries, async () =>
                {
                    while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        entries.Add(entry);
                    }

                    await stream.FinishAsync(cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }

            merger.ApplyLayer(layer.Index, layer.Name, entries);
        }

        if (options.AddRuntimeFiles)
        {
            merger.AddRuntimeFiles();
        }

        return merger.CreatePlan();
    }

    private static async Task WriteTarAsync(SourceImage image, MergePlan plan, Stream input, string spillPath, BuildProgress progress, CancellationToken cancellationToken)
    {
        var writer = new TarWriter(input);
        await writer.WriteHeaderAsync(plan.Root.Entry.With("./"), cancellationToken).ConfigureAwait(false);
        FileStream? spill = null;
        var spilled = new Dictionary<long, long>();
        try
        {
            foreach (var layer in image.Layers)
            {
                using var stream = layer.OpenTar(progress);
                var reader = new TarReader(stream.Tar);
                var entries = new List<TarEntry>();
                await ReadLayerAsync(layer, entries, async () =>
                {
                    for (var ordinal = 0; await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry; ordinal++)
                    {
                        entries.Add(entry);
                        var id = EntryId.Of(layer.Index, ordinal);
                        if (plan.Winners.TryGetValue(id, out var emission))
                        {
                            await EmitAsync(emission, reader, writer, spill, spilled, cancellationToken).ConfigureAwait(false);
                        }
                        else if (plan.Spilled.Contains(id))
                        {
                            spill ??= new FileStream(spillPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
                            spill.Seek(0, SeekOrigin.End);
                            spilled[id] = spill.Position;
                            await reader.CopyDataToAsync(spill, cancellationToken).ConfigureAwait(false);
                        }

                        entries.Clear();
                    }

                    await stream.FinishAsync(cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }
        finally
        {
            if (spill is not null)
            {
                await spill.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var node in plan.Synthesized)
        {
            await writer.WriteHeaderAsync(node.Entry.With(node.FullPath), cancellationToken).ConfigureAwait(false);
        }

        await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task EmitAsync(Emission emission, TarReader reader, TarWriter writer, FileStream? spill, Dictionary<long, long> spilled, CancellationToken cancellationToken)
    {
        var node = emission.Node;
        var path = node.FullPath;
        switch (emission.Kind)
        {
            case EmissionKind.Entry:
                await writer.WriteHeaderAsync(node.Entry.With(path), cancellationToken).ConfigureAwait(false);
                if (node.Entry is { Type: TarEntryType.RegularFile, Size: > 0 } file)
                {
                    await reader.CopyDataToAsync(writer.BaseStream, cancellationToken).ConfigureAwait(false);
                    await writer.EndDataAsync(file.Size, cancellationToken).ConfigureAwait(false);
                }

                break;
            case EmissionKind.HardLink:
                var link = node.Entry.With(path);
                link.Type = TarEntryType.HardLink;
                link.LinkName = emission.LinkPath!;
                link.Size = 0;
                await writer.WriteHeaderAsync(link, cancellationToken).ConfigureAwait(false);
                break;
            default:
                var target = node.LinkTarget!;
                await writer.WriteHeaderAsync(target.With(path), cancellationToken).ConfigureAwait(false);
                if (target is { Type: TarEntryType.RegularFile, Size: > 0 })
                {
                    spill!.Seek(spilled[node.LinkData], SeekOrigin.Begin);
                    await writer.CopyDataAsync(spill, target.Size, cancellationToken).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>Runs one layer's reading, turning a malformed tar into an error naming the layer and the last good path.</summary>
    private static async Task ReadLayerAsync(SourceLayer layer, List<TarEntry> entries, Func<Task> read)
    {
        try
        {
            await read().ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            var last = entries.Count > 0 ? LayerMerger.Display(entries[^1].Path) : null;
            throw new ImageBuildException(ErrorMessages.BuildLayerTar(layer.Name, last, ex.Message), layer.Index, last);
        }
    }

    private static GvmiContainerConfig Compose(GvmiContainerConfig image, GvmiBuildOptions options)
    {
        var env = image.Env.ToList();
        foreach (var entry in options.Env)
        {
            var name = entry[..(entry.IndexOf('=', StringComparison.Ordinal) + 1)];
            var index = env.FindIndex(e => e.StartsWith(name, StringComparison.Ordinal));
            if (index >= 0)
            {
                env[index] = entry;
            }
            else
            {
                env.Add(entry);
            }
        }

        return image with
        {
            Entrypoint = options.Entrypoint ?? image.Entrypoint,
            Cmd = options.Cmd ?? image.Cmd,
            Env = env,
            WorkingDir = options.WorkingDir ?? image.WorkingDir,
            Volumes = [.. image.Volumes.Union(options.Volumes, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            User = options.User,
            Hostname = null,
        };
    }
}
