using System.Security.Cryptography;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// Passes reads through while computing their SHA-256; at the end of the inner stream it compares the digest
/// (and the length, when known) with the expected one and throws on a mismatch. Reports the bytes read. With no
/// expected digest it only counts.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, string? expectedDigest, long? expectedLength, string what, int? layerIndex, IProgress<long>? progress) : ForwardReadStream(inner)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override long Position => _read;

    public override int Read(Span<byte> buffer) => Account(buffer, Inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read);
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
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _hash.AppendData(buffer[..read]);
            _read += read;
            progress?.Report(read);
            return read;
        }

        if (!_verified && buffer.Length > 0 && expectedDigest is not null)
        {
            _verified = true;
            if (expectedLength is { } length && length != _read)
            {
                throw new ImageBuildException(ErrorMessages.BuildSizeMismatch(what, length, _read), layerIndex, null);
            }

            var actual = "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (!string.Equals(actual, expectedDigest, StringComparison.Ordinal))
            {
                throw new ImageBuildException(ErrorMessages.BuildDigestMismatch(what, expectedDigest, actual), layerIndex, null);
            }
        }

        return 0;
    }
}
