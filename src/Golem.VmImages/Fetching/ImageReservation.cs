namespace Golem.VmImages.Fetching;

/// <summary>
/// The exclusive right to produce one image at one place: its lock is held from reservation to disposal, in this
/// process and against other processes, so the partial file at <see cref="PartialPath"/> belongs to one (digest,
/// destination) and one fetch at a time. A fetch writes and verifies the partial file, then calls
/// <see cref="Commit"/>; nothing reaches <see cref="FinalPath"/> any other way.
/// </summary>
internal abstract class ImageReservation(Sha3Digest digest, string finalPath, string partialPath, FileLock held) : IDisposable
{
    /// <summary>Gets the digest the image must hash to.</summary>
    public Sha3Digest Digest { get; } = digest;

    /// <summary>Gets where the verified image goes.</summary>
    public string FinalPath { get; } = finalPath;

    /// <summary>Gets the partial file of this (digest, destination), resumable across runs.</summary>
    public string PartialPath { get; } = partialPath;

    /// <summary>
    /// Looks, under the lock, for the image already at <see cref="FinalPath"/> (another fetch may have finished it
    /// while this one waited); returns its length when it is there and verified, <see langword="null"/> when absent.
    /// </summary>
    public abstract ValueTask<long?> FindExistingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the partial file, which the caller closed after it hashed to <see cref="Digest"/> with
    /// <paramref name="length"/> bytes: read-only, then renamed to <see cref="FinalPath"/> without replacing anything.
    /// </summary>
    public void Commit(long length)
    {
        FileSafety.MakeReadOnly(PartialPath);
        BeforeRename(length);
        FileSafety.MoveNoReplace(PartialPath, FinalPath);
        AfterPublishForTesting?.Invoke(FinalPath);
        PartialRecord.Delete(PartialPath);
        AfterRename();
    }

    /// <summary>Releases the lock (and deletes its file).</summary>
    public void Dispose()
    {
        held.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Gets or sets a test hook called right after a verified file appeared under its final name.</summary>
    internal Action<string>? AfterPublishForTesting { get; set; }

    /// <summary>Called after the file was made read-only, before the rename.</summary>
    protected virtual void BeforeRename(long length)
    {
    }

    /// <summary>Called after the rename.</summary>
    protected virtual void AfterRename()
    {
    }
}
