using System.IO.Compression;

namespace Golem.VmImages.Building.Sources;

/// <summary>One layer of the chosen image: where its blob is and the digests it must have.</summary>
internal sealed class SourceLayer
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xB5, 0x2F, 0xFD];

    public required int Index { get; init; }

    /// <summary>Gets how messages name the layer, such as "layer 2 of 3 (sha256:0123456789ab)".</summary>
    public required string Name { get; init; }

    /// <summary>Gets the length of the blob as stored (compressed or not).</summary>
    public required long StoredLength { get; init; }

    /// <summary>Gets the digest of the blob as stored, or null when the format gives none (docker-save).</summary>
    public string? BlobDigest { get; init; }

    /// <summary>Gets the digest of the uncompressed tar (the image config's diff_id), or null for a plain root filesystem.</summary>
    public string? DiffId { get; init; }

    public required Func<Stream> OpenBlob { get; init; }

    /// <summary>Gets the download that must finish before <see cref="OpenBlob"/> may be called (a registry source), or null when the blob is there.</summary>
    public Task? Ready { get; init; }

    /// <summary>Opens the layer as an uncompressed tar whose blob digest and diff_id are checked as it is read to the end.</summary>
    /// <param name="progress">Receives the number of stored bytes read, as they are read.</param>
    public LayerTarStream OpenTar(IProgress<long>? progress)
    {
        var blob = OpenBlob();
        VerifyingReadStream? stored = null;
        try
        {
            stored = new VerifyingReadStream(blob, BlobDigest, BlobDigest is null ? null : StoredLength, Name, Index, progress);
            var head = new byte[4];
            var headLength = stored.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var buffered = new BufferedStream(new PrefixedReadStream(head.AsMemory(0, headLength), stored), 1 << 16);
            Stream uncompressed = head.AsSpan(0, headLength) switch
            {
                var h when h.StartsWith(GzipMagic) => new GZipStream(buffered, CompressionMode.Decompress),
                var h when h.StartsWith(ZstdMagic) => new ZstdSharp.DecompressionStream(buffered),
                _ => buffered,
            };
            return new LayerTarStream(new VerifyingReadStream(uncompressed, DiffId, null, Name + " (uncompressed)", Index, null), stored);
        }
        catch
        {
            // The verifying stream owns the blob once made, and stops its read-ahead when disposed.
            if (stored is not null)
            {
                stored.Dispose();
            }
            else
            {
                blob.Dispose();
            }

            throw;
        }
    }
}
