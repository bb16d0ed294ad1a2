using Golem.VmImages.Hashing;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// Passes the inner stream's bytes through while computing their SHA-256; at the end of the inner stream it compares
/// the digest (and the length, when known) with the expected one and throws on a mismatch. Reports the bytes read.
/// With no expected digest it only counts. The inner stream is read ahead and hashed on a pool thread
/// (<see cref="OverlappedReadStream{TSink}"/>), so reading and hashing overlap whatever the reader does with the bytes
/// (decompressing, parsing the tar).
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, string? expectedDigest, long? expectedLength, string what, int? layerIndex, IProgress<long>? progress)
    : ForwardReadStream(new OverlappedReadStream<Sha256Sink>(inner, new Sha256Sink(expectedDigest is not null), StreamHashing.BufferSize))
{
    private long _read;
    private bool _verified;

    public override long Position => _read;

    private Sha256Sink Hash => ((OverlappedReadStream<Sha256Sink>)Inner).Sink;

    public override int Read(Span<byte> buffer) => Account(buffer.Length, Inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Length, read);
    }

    /// <summary>Reads what is left (such as the zero blocks after a tar's end marker) so the digest can be checked.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The read-ahead stops (with the inner stream) before the hash it feeds goes away.
        var hash = Hash;
        base.Dispose(disposing);
        if (disposing)
        {
            hash.Dispose();
        }
    }

    private int Account(int wanted, int read)
    {
        if (read > 0)
        {
            _read += read;
            progress?.Report(read);
            return read;
        }

        if (!_verified && wanted > 0 && expectedDigest is not null)
        {
            _verified = true;
            if (expectedLength is { } length && length != _read)
            {
                throw new ImageBuildException(ErrorMessages.BuildSizeMismatch(what, length, _read), layerIndex, null);
            }

            // The read-ahead has reached the end, so the hash has seen every byte.
            var actual = Hash.Digest();
            if (!string.Equals(actual, expectedDigest, StringComparison.Ordinal))
            {
                throw new ImageBuildException(ErrorMessages.BuildDigestMismatch(what, expectedDigest, actual), layerIndex, null);
            }
        }

        return 0;
    }
}
