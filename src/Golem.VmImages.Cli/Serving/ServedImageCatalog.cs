using System.Collections.Frozen;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// The images <c>gvmi serve</c> offers, kept in step with the disk: files given by name, and the <c>*.gvmi</c> files of
/// the folders given. A rescan picks up new, changed and removed files; a changed file is hashed again before it is
/// served again. Hashes come from the file-identity hash store (<see cref="FileHashStore.DefaultDirectory"/>) while the
/// file's identity matches, else several files are hashed in parallel. Whether a served file changed is decided by its
/// identity (length, modification time and, on Linux, device, inode and change time), so a rewrite that puts the old
/// modification time back is hashed again. A symbolic link in a served folder is served only when its target lies
/// inside a served folder, with the target's identity and hash.
/// </summary>
internal sealed class ServedImageCatalog : IDisposable
{
    private static readonly FileHashStore Hashes = new(FileHashStore.DefaultDirectory);
    private readonly IReadOnlyList<ServedSource> _sources;
    private readonly IReadOnlyList<string> _folders;
    private readonly TextWriter _log;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private FrozenDictionary<string, ServedImage> _images = FrozenDictionary<string, ServedImage>.Empty;
    private long _generation;

    private ServedImageCatalog(IReadOnlyList<ServedSource> sources, TextWriter log)
    {
        _sources = sources;
        _folders = sources.Where(s => s.IsFolder).Select(s => s.RealPath).ToList();
        _log = log;
    }

    /// <summary>The images served now, by name.</summary>
    public IReadOnlyList<ServedImage> Images => _images.Values.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Checks <paramref name="paths"/> (each must exist and be readable), hashes what needs it and returns the catalog.
    /// Progress and problems go to <paramref name="log"/>; unusable input throws <see cref="ServeStartupException"/>.
    /// </summary>
    public static async Task<ServedImageCatalog> OpenAsync(IReadOnlyList<string> paths, TextWriter log, CancellationToken cancellationToken)
    {
        var sources = paths.Select(ServedSource.Open).ToList();
        var catalog = new ServedImageCatalog(sources, log);
        var candidates = catalog.FindCandidates(startup: true);
        var duplicate = candidates.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ServeStartupException(ExitCodes.Usage, ServeMessages.DuplicateName(duplicate.Key, duplicate.Select(c => c.SourcePath)));
        }

        await catalog.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var unhashed = candidates.FirstOrDefault(c => !catalog._images.ContainsKey(c.Name));
        if (unhashed is not null)
        {
            throw new ServeStartupException(ExitCodes.Failure, ServeMessages.CannotHash(unhashed.SourcePath));
        }

        return catalog;
    }

    /// <summary>
    /// The image served as <paramref name="name"/>, checked against the disk first: a file that changed is hashed
    /// again (never served under its old hash), a removed one is gone, and a new one in a served folder is added.
    /// </summary>
    public async ValueTask<ServedImage?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        if (_images.TryGetValue(name, out var image) && IsCurrent(image))
        {
            return image;
        }

        if (image is null && !MayExist(name))
        {
            return null;
        }

        await RefreshAsync(unlessRefreshedSince: generation, cancellationToken).ConfigureAwait(false);
        return _images.TryGetValue(name, out image) && IsCurrent(image) ? image : null;
    }

    /// <summary>Rescans every source: hashes new and changed files (in parallel), drops removed ones.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => RefreshAsync(unlessRefreshedSince: null, cancellationToken);

    /// <summary>Rescans every <paramref name="interval"/> until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RescanPeriodicallyAsync(TimeSpan interval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Warn(ex.Message, ServeMessages.RescanFailed(ex));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _refresh.Dispose();

    private async Task RefreshAsync(long? unlessRefreshedSince, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Requests that found a stale entry while another refresh ran share that refresh instead of queueing their own.
            if (unlessRefreshedSince is { } seen && Interlocked.Read(ref _generation) != seen)
            {
                return;
            }

            var current = _images;
            var next = new Dictionary<string, ServedImage>(StringComparer.Ordinal);
            var toHash = new List<Candidate>();
            foreach (var candidate in FindCandidates(startup: false))
            {
                if (next.ContainsKey(candidate.Name) || toHash.Exists(c => c.Name == candidate.Name))
                {
                    Warn(candidate.SourcePath, ServeMessages.DuplicateSkipped(candidate.SourcePath, candidate.Name));
                }
                else if (current.TryGetValue(candidate.Name, out var known) && known.Matches(candidate.Identity))
                {
                    next.Add(candidate.Name, known);
                }
                else if (TryRemembered(candidate.FilePath, out var remembered))
                {
                    next.Add(candidate.Name, candidate.ToImage(remembered));
                }
                else
                {
                    toHash.Add(candidate);
                }
            }

            if (toHash.Count > 0)
            {
                await HashAsync(toHash, next, cancellationToken).ConfigureAwait(false);
            }

            // The start-up listing names the first set; after that, every change is reported.
            foreach (var (name, image) in Interlocked.Read(ref _generation) == 0 ? [] : next)
            {
                if (!current.TryGetValue(name, out var before))
                {
                    await _log.WriteLineAsync(ServeMessages.Line(ServeMessages.Added(image))).ConfigureAwait(false);
                }
                else if (before.Hash != image.Hash)
                {
                    await _log.WriteLineAsync(ServeMessages.Line(ServeMessages.Changed(image))).ConfigureAwait(false);
                }
            }

            foreach (var name in current.Keys.Where(n => !next.ContainsKey(n)))
            {
                await _log.WriteLineAsync(ServeMessages.Line(ServeMessages.Removed(name))).ConfigureAwait(false);
            }

            _images = next.ToFrozenDictionary(StringComparer.Ordinal);
            Interlocked.Increment(ref _generation);
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task HashAsync(List<Candidate> toHash, Dictionary<string, ServedImage> next, CancellationToken cancellationToken)
    {
        await _log.WriteLineAsync(ServeMessages.Line(ServeMessages.Hashing(toHash.Count))).ConfigureAwait(false);
        var index = 0;
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(toHash.ConvertAll(c => c.FilePath), _log, "hashing", toHash.Sum(c => c.Identity.Length), cancellationToken).ConfigureAwait(false))
        {
            var candidate = toHash[index++];
            if (!outcome.Succeeded)
            {
                Warn(candidate.SourcePath, ServeMessages.HashFailed(candidate.SourcePath, outcome.Error!));
                continue;
            }

            // A file still being written is published only once it holds still through a whole hash.
            if (TryIdentify(candidate.FilePath) != candidate.Identity || outcome.Length != candidate.Identity.Length)
            {
                await _log.WriteLineAsync(ServeMessages.Line(ServeMessages.ChangedWhileHashing(candidate.Name))).ConfigureAwait(false);
                continue;
            }

            Remember(candidate.FilePath, outcome.Hash);
            next[candidate.Name] = candidate.ToImage(outcome.Hash);
        }
    }

    /// <summary>The hash remembered for the unchanged file at <paramref name="path"/> (by its full identity, so a rewrite that puts the old modification time back is hashed again).</summary>
    private static bool TryRemembered(string path, out ImageHash hash)
    {
        try
        {
            return Hashes.TryGet(path, out hash);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            hash = default;
            return false;
        }
    }

    /// <summary>Remembers the hash of the file just hashed; a store that cannot be written only costs the next start a read.</summary>
    private static void Remember(string path, ImageHash hash)
    {
        try
        {
            Hashes.Record(path, hash);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file went away after it was hashed: the next scan notices.
        }
    }

    /// <summary>Every file the sources offer now, with its (link-resolved) file, size and time; unusable entries are reported once.</summary>
    private List<Candidate> FindCandidates(bool startup)
    {
        var candidates = new List<Candidate>();
        foreach (var source in _sources)
        {
            if (!source.IsFolder)
            {
                if (Resolve(source.Path, source.Name, mustBeInsideFolder: false) is { } file)
                {
                    candidates.Add(file);
                }
                else if (startup)
                {
                    throw new ServeStartupException(ExitCodes.Failure, ServeMessages.NoSuchFile(source.Path));
                }

                continue;
            }

            string[] entries;
            try
            {
                entries = Directory.GetFiles(source.Path, "*.gvmi", SearchOption.TopDirectoryOnly);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (startup)
                {
                    throw new ServeStartupException(ExitCodes.Failure, ServeMessages.FolderUnreadable(source.Path, ex), ex);
                }

                Warn(source.Path, ServeMessages.FolderUnreadable(source.Path, ex));
                continue;
            }

            foreach (var entry in entries.Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(entry);
                if (!name.StartsWith('.') && Resolve(entry, name, mustBeInsideFolder: true) is { } candidate)
                {
                    candidates.Add(candidate);
                }
            }
        }

        return candidates;
    }

    private Candidate? Resolve(string sourcePath, string name, bool mustBeInsideFolder)
    {
        var source = new FileInfo(sourcePath);
        var filePath = source.FullName;
        if (source.LinkTarget is not null)
        {
            if (RealPath.TryResolve(sourcePath) is not { } target)
            {
                Warn(sourcePath, ServeMessages.BrokenLink(sourcePath));
                return null;
            }

            if (mustBeInsideFolder && !_folders.Any(f => RealPath.IsInside(target, f)))
            {
                Warn(sourcePath, ServeMessages.LinkOutside(sourcePath, target));
                return null;
            }

            filePath = target;
        }

        // File.Exists is false for a directory, which is never an image even when its name ends in .gvmi.
        return File.Exists(filePath) && TryIdentify(filePath) is { } identity ? new Candidate(name, sourcePath, identity) : null;
    }

    /// <summary>Whether the file behind <paramref name="image"/> is still the one that was hashed.</summary>
    private static bool IsCurrent(ServedImage image)
    {
        var source = new FileInfo(image.SourcePath);
        var filePath = source.LinkTarget is null ? source.FullName : RealPath.TryResolve(image.SourcePath);
        if (filePath != image.FilePath)
        {
            return false;
        }

        return TryIdentify(filePath) is { } identity && image.Matches(identity);
    }

    /// <summary>The identity of the file at <paramref name="path"/> (looked at, not opened); <see langword="null"/> when there is none.</summary>
    private static FileIdentity? TryIdentify(string? path)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return FileIdentity.Of(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether a request for <paramref name="name"/> could find a file the last scan did not see (so a refresh is worth it).</summary>
    private bool MayExist(string name) =>
        name.Length > 0
        && name == Path.GetFileName(name)
        && _sources.Any(s => s.IsFolder
            ? !name.StartsWith('.') && name.EndsWith(".gvmi", StringComparison.Ordinal) && Path.Exists(Path.Join(s.Path, name))
            : s.Name == name && Path.Exists(s.Path));

    private void Warn(string key, string message)
    {
        lock (_warned)
        {
            if (!_warned.Add(key + "\n" + message))
            {
                return;
            }
        }

        _log.WriteLine(ServeMessages.Line(message));
    }

    /// <summary>A file a source offers, before it is hashed.</summary>
    private sealed record Candidate(string Name, string SourcePath, FileIdentity Identity)
    {
        public string FilePath => Identity.FullPath;

        public ServedImage ToImage(ImageHash hash) => new(Name, SourcePath, Identity, hash);
    }
}
