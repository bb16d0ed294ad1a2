using Golem.VmImages.Fetching;

namespace Golem.VmImages.Oci;

/// <summary>
/// Container image blobs kept content-addressed beside the fetch cache's images, by the same rules: a blob is
/// verified (SHA-256 and length) before it appears under its name <c>oci/sha256/&lt;hex&gt;</c> (read-only); a
/// download in progress is <c>oci/partial/sha256-&lt;hex&gt;.part</c>, resumed with <c>Range</c> by the next attempt
/// or the next build; one OS file lock per blob (<c>locks/</c>) makes concurrent builds share one download.
/// </summary>
internal sealed class OciBlobCache(string root, TimeProvider time)
{
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private string BlobDirectory => Path.Combine(root, "oci", "sha256");

    private string PartialDirectory => Path.Combine(root, "oci", "partial");

    private string LockDirectory => Path.Combine(root, "locks");

    public static bool IsDigest(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && !digest.AsSpan(7).ContainsAnyExcept(LowerHex);

    public string PathOf(string digest) => Path.Combine(BlobDirectory, Hex(digest));

    /// <summary>Whether the blob is stored with the length its descriptor gives (a file of another length is evicted).</summary>
    public bool Has(string digest, long size)
    {
        var info = new FileInfo(PathOf(digest));
        if (!info.Exists || FileSafety.IsLink(info))
        {
            return false;
        }

        if (info.Length == size)
        {
            return true;
        }

        FileSafety.DeleteIfExists(info.FullName);
        return false;
    }

    /// <summary>Returns the blob's path, downloading it first unless it is stored.</summary>
    /// <param name="digest">The blob digest.</param>
    /// <param name="size">The blob length from its descriptor.</param>
    /// <param name="client">The registry to download it from.</param>
    /// <param name="progress">Receives the bytes done and whether the blob came from the cache.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    public async Task<string> GetAsync(string digest, long size, OciRegistryClient client, Action<long, bool>? progress, CancellationToken cancellationToken)
    {
        var final = PathOf(digest);
        if (Has(digest, size))
        {
            progress?.Invoke(size, true);
            return final;
        }

        Directory.CreateDirectory(BlobDirectory);
        Directory.CreateDirectory(PartialDirectory);
        Directory.CreateDirectory(LockDirectory);
        using var held = await FileLock.AcquireAsync(Path.Combine(LockDirectory, "oci-sha256-" + Hex(digest) + ".lock"), time, cancellationToken).ConfigureAwait(false);
        if (Has(digest, size))
        {
            progress?.Invoke(size, true);
            return final;
        }

        var partial = Path.Combine(PartialDirectory, "sha256-" + Hex(digest) + ".part");
        FileSafety.EnsureNotLink(partial);
        try
        {
            await client.DownloadBlobAsync(digest, size, partial, done => progress?.Invoke(done, false), cancellationToken).ConfigureAwait(false);
        }
        catch (OciDigestMismatchException)
        {
            FileSafety.DeleteIfExists(partial);
            throw;
        }

        FileSafety.MakeReadOnly(partial);
        File.Move(partial, final, overwrite: true);
        return final;
    }

    /// <summary>Stores small content already verified against its digest (a manifest), atomically.</summary>
    public async Task<string> PutAsync(string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        var final = PathOf(digest);
        if (Has(digest, bytes.Length))
        {
            return final;
        }

        Directory.CreateDirectory(BlobDirectory);
        var temporary = final + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
            FileSafety.MakeReadOnly(temporary);
            File.Move(temporary, final, overwrite: true);
        }
        finally
        {
            FileSafety.DeleteIfExists(temporary);
        }

        return final;
    }

    private static string Hex(string digest) => IsDigest(digest) ? digest[7..] : throw new OciRegistryRequestException(ErrorMessages.OciUnsupportedDigest(digest), null, null, null);
}
