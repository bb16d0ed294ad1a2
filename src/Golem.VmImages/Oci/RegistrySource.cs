using System.Text.Json;
using Golem.VmImages.Building;
using Golem.VmImages.Building.Sources;

namespace Golem.VmImages.Oci;

/// <summary>
/// An image pulled from a registry for a build: the manifest chosen (an index resolves to the platform asked for,
/// <c>linux/amd64</c> by default), its config, and its layers downloading in the background, a few at a time and in
/// order, into the blob cache, so the merge of the first layer starts while the others still download. Every blob
/// of the image stays open (pinned) until the source is disposed, so <c>gvmi cache prune</c> never evicts one the build reads.
/// </summary>
internal sealed class RegistrySource : IAsyncDisposable
{
    private const int MaxIndexDepth = 4;
    private readonly OciRegistryClient _client;
    private readonly CancellationTokenSource _downloads;
    private readonly List<Task> _tasks;
    private readonly Pins _pins;

    private RegistrySource(OciRegistryClient client, CancellationTokenSource downloads, List<Task> tasks, Pins pins, SourceImage image, string manifestDigest)
    {
        _client = client;
        _downloads = downloads;
        _tasks = tasks;
        _pins = pins;
        Image = image;
        ManifestDigest = manifestDigest;
    }

    public SourceImage Image { get; }

    /// <summary>Gets the digest of the image manifest built (not of an index that led to it).</summary>
    public string ManifestDigest { get; }

    public static async Task<RegistrySource> OpenAsync(ImageReference reference, GvmiBuildOptions options, CancellationToken cancellationToken)
    {
        var pull = options.Registry;
        var cache = new OciBlobCache(pull.CacheDirectory, pull.TimeProvider);
        var client = OciRegistryClient.Create(reference, pull);
        var downloads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        var pins = new Pins();
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var (bytes, mediaType, digest) = await client.GetManifestAsync(reference.ManifestReference, cancellationToken).ConfigureAwait(false);
            for (var depth = 0; mediaType is OciRegistryClient.OciIndex or OciRegistryClient.DockerList; depth++)
            {
                var chosen = ChoosePlatform(reference, bytes, options.Platform, depth);
                (bytes, mediaType, digest) = await client.GetManifestAsync(chosen, cancellationToken).ConfigureAwait(false);
            }

            pins.Add(await cache.PutAsync(digest, bytes, cancellationToken).ConfigureAwait(false));
            var (config, layers) = ReadManifest(reference, bytes);
            var semaphore = new SemaphoreSlim(pull.MaxParallelDownloads);
            var ready = new Dictionary<string, Task>(StringComparer.Ordinal);
            for (var i = 0; i < layers.Count; i++)
            {
                var (layerDigest, size) = layers[i];
                if (!ready.ContainsKey(layerDigest))
                {
                    var task = DownloadAsync(cache, client, semaphore, pins, i, layers.Count, layerDigest, size, pull.Progress, downloads.Token);
                    ready[layerDigest] = task;
                    tasks.Add(task);
                }
            }

            pins.Add(await cache.GetAsync(config.Digest, config.Size, client, null, cancellationToken).ConfigureAwait(false));

            var files = new CachedBlobFiles(reference.ToString(), cache, digest, mediaType, bytes.Length, layers.Select(l => l.Digest).Append(config.Digest));
            var image = ImageChooser.Choose(reference.ToString(), OciLayoutReader.Candidates(files), null, options.Platform);
            var withReadiness = new SourceImage
            {
                Config = image.Config,
                Platform = image.Platform,
                Layers = [.. image.Layers.Select(layer => new SourceLayer
                {
                    Index = layer.Index,
                    Name = layer.Name,
                    StoredLength = layer.StoredLength,

                    // The blob was checked against its digest and length before it was named in the cache, and this
                    // build holds it pinned: reading it hashes only the uncompressed tar against its diff_id, as
                    // the fetch cache trusts a file under its final name.
                    BlobDigest = null,
                    DiffId = layer.DiffId,
                    OpenBlob = layer.OpenBlob,
                    Ready = ready[layer.BlobDigest!],
                })],
            };
            return new RegistrySource(client, downloads, tasks, pins, withReadiness, digest);
        }
        catch
        {
            await StopAsync(downloads, tasks).ConfigureAwait(false);
            pins.Dispose();
            client.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_downloads, _tasks).ConfigureAwait(false);
        _pins.Dispose();
        _client.Dispose();
    }

    private static async Task StopAsync(CancellationTokenSource downloads, List<Task> tasks)
    {
        await downloads.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The build already failed or finished; the first failure that mattered was reported by awaiting its layer.
        }

        downloads.Dispose();
    }

    private static async Task DownloadAsync(OciBlobCache cache, OciRegistryClient client, SemaphoreSlim semaphore, Pins pins, int index, int count, string digest, long size, IProgress<OciLayerProgress>? progress, CancellationToken cancellationToken)
    {
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var last = -1L;
            pins.Add(await cache.GetAsync(digest, size, client, (done, fromCache) =>
            {
                if (progress is not null && (done == size || done - last >= 1 << 20 || done < last))
                {
                    last = done;
                    progress.Report(new OciLayerProgress(index, count, digest, done, size, fromCache));
                }
            }, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            semaphore.Release();
        }
    }

    /// <summary>Picks the manifest for the platform asked for (<c>linux/amd64</c> by default) from an index; a missing variant matches any.</summary>
    private static string ChoosePlatform(ImageReference reference, byte[] index, string? platform, int depth)
    {
        var wanted = platform ?? ImageChooser.ProviderPlatform;
        using var json = Parse(reference, index);
        var entries = new List<(string Digest, string? Platform, bool Nested)>();
        foreach (var descriptor in Blobs.Array(json.RootElement, "manifests"))
        {
            var digest = descriptor.TryGetProperty("digest", out var d) ? d.GetString() : null;
            var type = descriptor.TryGetProperty("mediaType", out var t) ? t.GetString() : null;
            var entryPlatform = descriptor.TryGetProperty("platform", out var p) ? ImageConfigReader.Platform(p) : null;
            if (digest is null || !OciBlobCache.IsDigest(digest) || entryPlatform is "unknown/unknown")
            {
                continue;
            }

            entries.Add((digest, entryPlatform, type is OciRegistryClient.OciIndex or OciRegistryClient.DockerList));
        }

        var match = entries.FirstOrDefault(e => string.Equals(e.Platform, wanted, StringComparison.Ordinal))
            is { Digest: not null } exact ? exact
            : entries.FirstOrDefault(e => e.Platform is { } p && p.StartsWith(wanted + "/", StringComparison.Ordinal) && wanted.Count(c => c == '/') == 1);
        if (match.Digest is null && entries is [{ Nested: true }] && depth < MaxIndexDepth)
        {
            match = entries[0];
        }

        if (match.Digest is null)
        {
            var available = entries.Count == 0 ? "no platforms" : string.Join(", ", entries.Select(e => e.Platform ?? "unknown"));
            throw new OciImageNotFoundException(ErrorMessages.OciNoPlatform(reference.ToString(), wanted, available), reference.ToString(), null);
        }

        return match.Digest;
    }

    private static ((string Digest, long Size) Config, List<(string Digest, long Size)> Layers) ReadManifest(ImageReference reference, byte[] manifest)
    {
        using var json = Parse(reference, manifest);
        var root = json.RootElement;
        var config = Descriptor(reference, root.TryGetProperty("config", out var c) ? c : default);
        var layers = Blobs.Array(root, "layers").Select(l => Descriptor(reference, l)).ToList();
        return (config, layers);
    }

    private static (string Digest, long Size) Descriptor(ImageReference reference, JsonElement descriptor) =>
        descriptor.ValueKind == JsonValueKind.Object
        && descriptor.TryGetProperty("digest", out var d) && d.GetString() is { } digest && OciBlobCache.IsDigest(digest)
        && descriptor.TryGetProperty("size", out var s) && s.TryGetInt64(out var size) && size >= 0
            ? (digest, size)
            : throw new OciRegistryRequestException(ErrorMessages.OciManifestJson(reference.ToString(), "expected descriptors with a sha256 digest and a size"), null, null, null);

    private static JsonDocument Parse(ImageReference reference, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new OciRegistryRequestException(ErrorMessages.OciManifestJson(reference.ToString(), ex.Message), null, null, ex);
        }
    }

    /// <summary>The pulled image as an OCI layout, for <see cref="OciLayoutReader"/>: an index naming the manifest, and the blobs in the cache.</summary>
    private sealed class CachedBlobFiles(string name, OciBlobCache cache, string manifestDigest, string manifestType, long manifestSize, IEnumerable<string> expected) : ISourceFiles
    {
        private readonly HashSet<string> _blobs = [.. expected.Append(manifestDigest).Select(d => "blobs/sha256/" + d[7..])];

        private readonly byte[] _index = Index(manifestDigest, manifestType, manifestSize);

        public string Name => name;

        public bool Exists(string path) => path == "index.json" || _blobs.Contains(path);

        public long Length(string path) => path == "index.json" ? _index.Length : new FileInfo(Resolve(path)).Length;

        public Stream Open(string path) => path == "index.json"
            ? new MemoryStream(_index, writable: false)
            : new FileStream(Resolve(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

        private string Resolve(string path) => _blobs.Contains(path)
            ? cache.PathOf("sha256:" + path["blobs/sha256/".Length..])
            : throw new ImageBuildException(ErrorMessages.BuildSourceFileMissing(name, path));

        private static byte[] Index(string digest, string mediaType, long size)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteNumber("schemaVersion", 2);
                writer.WriteStartArray("manifests");
                writer.WriteStartObject();
                writer.WriteString("mediaType", mediaType);
                writer.WriteString("digest", digest);
                writer.WriteNumber("size", size);
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }
    }

    /// <summary>The blobs the build holds open (each a shared lock on the file) so that no prune evicts them while it runs.</summary>
    private sealed class Pins : IDisposable
    {
        private readonly List<FileStream> _streams = [];
        private bool _disposed;

        public void Add(FileStream stream)
        {
            lock (_streams)
            {
                if (!_disposed)
                {
                    _streams.Add(stream);
                    return;
                }
            }

            stream.Dispose();
        }

        public void Dispose()
        {
            lock (_streams)
            {
                _disposed = true;
                foreach (var stream in _streams)
                {
                    stream.Dispose();
                }

                _streams.Clear();
            }
        }
    }
}
