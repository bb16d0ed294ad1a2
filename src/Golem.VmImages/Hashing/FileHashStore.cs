using Golem.VmImages.Fetching;
using Golem.VmImages.Hashing;

namespace Golem.VmImages;

/// <summary>
/// Remembers the SHA3-224 image hash of files already hashed, so an unchanged multi-gigabyte file is not read again to
/// learn it. A file is recognised by its identity: its full path, length and last-write time, and on Linux its device,
/// inode and change time, which moves on every write and cannot be set back, so a rewrite that puts the old
/// modification time back is noticed. A remembered hash is returned only while that identity is unchanged.
/// </summary>
/// <remarks>
/// Each file has one record in <see cref="Directory"/>, named by the SHA3-256 of its full path and holding the identity,
/// the hash and a SHA3-256 of both. A record is written under a temporary name and renamed over the old one, so
/// processes sharing the directory see an old record, a new one or none, never a torn one; a record that is damaged
/// or does not match is ignored. A store that cannot be written only costs the next run a read of the file.
/// <c>gvmi build</c>, <c>gvmi hash</c>, <c>gvmi publish</c> and <c>gvmi serve</c> use <see cref="DefaultDirectory"/>, so
/// a publish after a build or a hash of the same unchanged file reads it only to send it; <c>gvmi push</c> keeps its
/// descriptors, keyed by the same identity, beside it in <c>descriptors</c>.
/// </remarks>
public sealed class FileHashStore
{
    private static ReadOnlySpan<byte> Magic => "GVMIHSH1"u8;

    /// <summary>Initializes a new instance that keeps its records in <paramref name="directory"/> (created when the first record is written).</summary>
    /// <param name="directory">The directory for the records.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public FileHashStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>Gets the directory the command-line tool keeps its hashes in: <c>hashes</c> in the user's golem-vmimages cache directory (<see cref="ImageFetcherOptions.DefaultCacheDirectory"/>).</summary>
    public static string DefaultDirectory { get; } = Path.Combine(ImageFetcherOptions.DefaultCacheDirectory, "hashes");

    /// <summary>Gets the full path of the directory holding the records.</summary>
    public string Directory { get; }

    /// <summary>Looks up the remembered hash of the file at <paramref name="path"/>, which is opened but not read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="hash">The remembered hash when found.</param>
    /// <returns><see langword="true"/> when the file's identity is the one recorded with a hash and the record is intact.</returns>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public bool TryGet(string path, out ImageHash hash)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return TryGet(FileRecord.Identify(path), out hash);
    }

    /// <summary>Remembers <paramref name="hash"/> for the file at <paramref name="path"/> as it is now; call it right after hashing the file, or use <see cref="GetOrHashAsync"/>, which records only a file that held still.</summary>
    /// <param name="path">The file.</param>
    /// <param name="hash">Its SHA3-224 image hash.</param>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public void Record(string path, ImageHash hash)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Record(FileRecord.Identify(path), hash);
    }

    /// <summary>Returns the remembered hash of the unchanged file, or hashes it and remembers the hash when the file did not change while it was read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="progress">Receives the bytes hashed so far when the file is read.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The file's SHA3-224 image hash.</returns>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public ValueTask<ImageHash> GetOrHashAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return GetOrHashCoreAsync(path, progress, cancellationToken);
    }

    /// <summary>Reads and hashes the file at <paramref name="path"/> whatever is remembered for it, and remembers the hash when the file did not change while it was read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="progress">Receives the bytes hashed so far.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The file's SHA3-224 image hash.</returns>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public ValueTask<ImageHash> HashAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return HashCoreAsync(path, progress, cancellationToken);
    }

    /// <summary>Reads and hashes the file at <paramref name="path"/> on the calling thread whatever is remembered for it, and remembers the hash when the file did not change while it was read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="progress">Receives the bytes hashed so far.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The file's SHA3-224 image hash.</returns>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public ImageHash Hash(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var before = FileRecord.Identify(path);
        var hash = ImageHasher.HashFile(path, progress, cancellationToken);
        RecordIfUnchanged(path, before, hash);
        return hash;
    }

    /// <summary>The remembered hash of the file with <paramref name="identity"/>.</summary>
    internal bool TryGet(FileIdentity identity, out ImageHash hash)
    {
        if (FileRecord.TryRead(RecordPath(identity), FileRecord.Header(Magic, identity)) is { Length: ImageHash.SizeInBytes } payload)
        {
            hash = ImageHash.FromBytes(payload.Span);
            return true;
        }

        hash = default;
        return false;
    }

    /// <summary>Remembers <paramref name="hash"/> for the file as it was when <paramref name="identity"/> was read.</summary>
    internal void Record(FileIdentity identity, ImageHash hash) =>
        FileRecord.TryWrite(RecordPath(identity), FileRecord.Header(Magic, identity), hash.AsSpan());

    /// <summary>Remembers <paramref name="hash"/> only when the file at <paramref name="path"/> still has <paramref name="before"/>, the identity read before it was hashed.</summary>
    internal void RecordIfUnchanged(string path, FileIdentity before, ImageHash hash)
    {
        if (TryIdentify(path) == before)
        {
            Record(before, hash);
        }
    }

    /// <summary>
    /// Remembers <paramref name="hash"/> for the file just renamed to <paramref name="path"/> when it is still the file
    /// <paramref name="written"/> describes: the same device, inode, length and modification time (a rename moves only
    /// its path and change time). The record holds the file's identity as it is now.
    /// </summary>
    internal void RecordIfRenamedUnchanged(string path, FileIdentity written, ImageHash hash)
    {
        if (TryIdentify(path) is { } now && now.Length == written.Length && now.LastWriteTicks == written.LastWriteTicks && now.Device == written.Device && now.Inode == written.Inode)
        {
            Record(now, hash);
        }
    }

    /// <summary>The identity of the file at <paramref name="path"/> now, or <see langword="null"/> when it cannot be opened.</summary>
    private static FileIdentity? TryIdentify(string path)
    {
        try
        {
            return FileRecord.Identify(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async ValueTask<ImageHash> HashCoreAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var before = FileRecord.Identify(path);
        var hash = await ImageHasher.HashFileAsync(path, progress, cancellationToken).ConfigureAwait(false);
        RecordIfUnchanged(path, before, hash);
        return hash;
    }

    private async ValueTask<ImageHash> GetOrHashCoreAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var before = FileRecord.Identify(path);
        if (TryGet(before, out var remembered))
        {
            return remembered;
        }

        var hash = await ImageHasher.HashFileAsync(path, progress, cancellationToken).ConfigureAwait(false);
        RecordIfUnchanged(path, before, hash);
        return hash;
    }

    private string RecordPath(FileIdentity identity) => FileRecord.PathFor(Directory, identity.FullPath, "sha3-224", ".hash");
}
