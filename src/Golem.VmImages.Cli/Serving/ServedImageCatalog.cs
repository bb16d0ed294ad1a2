using Golem.VmImages.Cli.Checksums;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Turns <c>gvmi serve</c>'s PATH arguments into the images to serve: files as given, directories as their
/// <c>*.gvmi</c> files; hashes from the sidecar when size and modification time still match, else hashed in parallel.
/// </summary>
internal static class ServedImageCatalog
{
    public static async Task<IReadOnlyList<ServedImage>> LoadAsync(IReadOnlyList<string> paths, TextWriter error, CancellationToken cancellationToken)
    {
        var files = paths.SelectMany<string, string>(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.gvmi").Order(StringComparer.Ordinal) : [p]).ToList();
        var duplicate = files.GroupBy(Path.GetFileName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two images share the file name '{duplicate.Key}' ({string.Join(", ", duplicate)}); each is served at /<file name>, so names must be unique.");
        }

        var missing = files.FirstOrDefault(f => !File.Exists(f));
        if (missing is not null)
        {
            throw new FileNotFoundException($"Cannot serve '{missing}': no such file.", missing);
        }

        var infos = files.Select(f => new FileInfo(f)).ToList();
        var known = infos.Select(i => HashSidecar.TryRead(i.FullName, i.Length, i.LastWriteTimeUtc)).ToList();
        var toHash = infos.Where((_, i) => known[i] is null).ToList();
        var hashed = new Queue<ImageHash>(toHash.Count);
        if (toHash.Count > 0)
        {
            await error.WriteLineAsync($"gvmi serve: hashing {toHash.Count} image(s)...").ConfigureAwait(false);
            await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(toHash.ConvertAll(i => i.FullName), error, "hashing", toHash.Sum(i => i.Length), cancellationToken).ConfigureAwait(false))
            {
                if (!outcome.Succeeded)
                {
                    throw new IOException($"Cannot serve '{outcome.Name}': {outcome.Error}.");
                }

                hashed.Enqueue(outcome.Hash);
            }
        }

        var images = new List<ServedImage>(infos.Count);
        for (var i = 0; i < infos.Count; i++)
        {
            var info = infos[i];
            var hash = known[i] ?? hashed.Dequeue();
            if (known[i] is null && HashSidecar.TryWrite(info.FullName, info.Length, info.LastWriteTimeUtc, hash) is { } reason)
            {
                await error.WriteLineAsync($"gvmi serve: could not cache the hash of {info.Name} ({reason}); it will be hashed again next time.").ConfigureAwait(false);
            }

            images.Add(new ServedImage(info.Name, info.FullName, info.Length, new DateTimeOffset(info.LastWriteTimeUtc), hash));
        }

        return images;
    }
}
