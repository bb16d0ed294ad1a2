using Golem.VmImages.Hashing;

namespace Golem.VmImages.Fetching;

/// <summary>
/// A reservation of a caller-chosen file: the lock <c>.NAME.lock</c> and the partial file
/// <c>.NAME.ALGORITHM-HEX.partial</c> sit next to it, so two fetches of different images to one destination never
/// share a partial file, and the second waits for the first, then finds the destination taken.
/// </summary>
internal sealed class DestinationReservation : ImageReservation
{
    private DestinationReservation(Sha3Digest digest, string destination, string partialPath, FileLock held)
        : base(digest, destination, partialPath, held)
    {
    }

    /// <summary>Checks, before any download, that <paramref name="destination"/> can receive a file; throws a one-line <see cref="IOException"/> otherwise.</summary>
    public static void EnsureUsable(string destination)
    {
        if (Directory.Exists(destination))
        {
            throw new IOException(ErrorMessages.DestinationIsDirectory(destination));
        }

        var directory = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(directory))
        {
            throw new IOException(ErrorMessages.DestinationDirectoryMissing(destination, directory));
        }

        var probe = Path.Combine(directory, "." + Path.GetFileName(destination) + "." + Guid.NewGuid().ToString("N") + ".probe");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException(ErrorMessages.DestinationNotWritable(destination, directory, ex.Message), ex);
        }
    }

    public static async ValueTask<DestinationReservation> ReserveAsync(string destination, Sha3Digest digest, TimeProvider time, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(destination)!;
        var name = Path.GetFileName(destination);
        var held = await FileLock.AcquireAsync(Path.Combine(directory, "." + name + ".lock"), time, cancellationToken).ConfigureAwait(false);
        return new DestinationReservation(digest, destination, Path.Combine(directory, "." + name + "." + ImageCache.Key(digest) + ".partial"), held);
    }

    /// <inheritdoc/>
    /// <remarks>A file already at the destination is accepted only when it hashes to the digest; any other file is an error, never replaced.</remarks>
    public override async ValueTask<long?> FindExistingAsync(CancellationToken cancellationToken)
    {
        if (!FileSafety.Exists(FinalPath))
        {
            return null;
        }

        var hasher = Sha3Hasher.Create(Digest.BitLength);
        var file = FileSafety.OpenRead(FinalPath, checkLink: true);
        long length;
        await using (file.ConfigureAwait(false))
        {
            length = await StreamHashing.AppendFileRangeAsync(hasher, file.SafeFileHandle, file.Length, progress: null, StreamHashing.BufferSize, cancellationToken).ConfigureAwait(false);
        }

        return hasher.GetCurrentDigest() == Digest ? length : throw new ImageDestinationConflictException(FinalPath, length);
    }
}
