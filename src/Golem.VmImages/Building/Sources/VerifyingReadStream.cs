using System.Security.Cryptography;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// Passes reads through while computing their SHA-256; at the end of the inner stream it compares the digest
/// (and the length, when known) with the expected one and throws on a mismatch. Reports the bytes read. With no
/// expected digest it only counts.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, string? expectedDigest, long? expectedLength, string what, int? layerIndex, IProgress<long>? progress) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer, inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads what is left (such as the zero blocks after a tar's end marker) so the digest can be checked.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
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
