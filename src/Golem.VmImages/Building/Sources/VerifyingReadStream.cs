using System.Security.Cryptography;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// Passes the inner stream's bytes through while computing their SHA-256; at the end of the inner stream it compares
/// the digest (and the length, when known) with the expected one and throws on a mismatch. Reports the bytes read.
/// With no expected digest it only counts. The inner stream is read ahead and hashed on a pool thread
/// (<see cref="OverlappedReadStream{TSink}"/>), so reading and hashing overlap whatever the reader does with the bytes
/// (decompressing, parsing the tar).
/// </summary>
internal sealed class VerifyingReadStream : ForwardReadStream
{
    private readonly IncrementalHash? _hash;
    private readonly string? _expectedDigest;
    private readonly long? _expectedLength;
    private readonly string _what;
    private readonly int? _layerIndex;
    private readonly IProgress<long>? _progress;
    private long _read;
    private bool _verified;

    public VerifyingReadStream(Stream inner, string? expectedDigest, long? expectedLength, string what, int? layerIndex, IProgress<long>? progress)
        : this(expectedDigest is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256), inner, expectedDigest, expectedLength, what, layerIndex, progress)
    {
    }

    private VerifyingReadStream(IncrementalHash? hash, Stream inner, string? expectedDigest, long? expectedLength, string what, int? layerIndex, IProgress<long>? progress)
        : base(new OverlappedReadStream<Sha256Sink>(inner, new Sha256Sink(hash), StreamHashing.BufferSize))
    {
        _hash = hash;
        _expectedDigest = expectedDigest;
        _expectedLength = expectedLength;
        _what = what;
        _layerIndex = layerIndex;
        _progress = progress;
    }

    public override long Position => _read;

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
        base.Dispose(disposing);
        if (disposing)
        {
            _hash?.Dispose();
        }
    }

    private int Account(int wanted, int read)
    {
        if (read > 0)
        {
            _read += read;
            _progress?.Report(read);
            return read;
        }

        if (!_verified && wanted > 0 && _expectedDigest is not null)
        {
            _verified = true;
            if (_expectedLength is { } length && length != _read)
            {
                throw new ImageBuildException(ErrorMessages.BuildSizeMismatch(_what, length, _read), _layerIndex, null);
            }

            // The read-ahead has reached the end, so the hash has seen every byte.
            var actual = "sha256:" + Convert.ToHexStringLower(_hash!.GetHashAndReset());
            if (!string.Equals(actual, _expectedDigest, StringComparison.Ordinal))
            {
                throw new ImageBuildException(ErrorMessages.BuildDigestMismatch(_what, _expectedDigest, actual), _layerIndex, null);
            }
        }

        return 0;
    }

    /// <summary>Feeds each buffer to the SHA-256 on the read-ahead's thread; with no digest to check it does nothing.</summary>
    private readonly struct Sha256Sink(IncrementalHash? hash) : IReadSink
    {
        public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            hash?.AppendData(data.Span);
            return ValueTask.CompletedTask;
        }
    }
}
