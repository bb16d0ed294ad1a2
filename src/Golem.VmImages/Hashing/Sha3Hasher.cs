namespace Golem.VmImages.Hashing;

/// <summary>
/// Incremental SHA3 of any standard length: buffers partial blocks so the <see cref="KeccakSponge"/> only sees
/// whole blocks. <see cref="ImageHasher"/> is this with SHA3-224; the fetcher uses it for whatever length a
/// task package names.
/// </summary>
internal sealed class Sha3Hasher
{
    private readonly KeccakSponge _sponge;
    private readonly byte[] _pending;
    private int _pendingCount;

    public Sha3Hasher(KeccakSponge sponge)
    {
        _sponge = sponge;
        _pending = new byte[sponge.RateInBytes];
    }

    public int DigestSizeInBytes => _sponge.DigestSizeInBytes;

    public long BytesHashed { get; private set; }

    public static Sha3Hasher Create(int bitLength)
    {
        if (!Sha3Digest.IsSupportedBitLength(bitLength))
        {
            throw new ArgumentOutOfRangeException(nameof(bitLength), bitLength, ErrorMessages.UnsupportedDigestLength(bitLength));
        }

        return new(KeccakSponge.Create(bitLength / 8));
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        BytesHashed += data.Length;
        var rate = _pending.Length;
        if (_pendingCount > 0)
        {
            var take = Math.Min(rate - _pendingCount, data.Length);
            data[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            data = data[take..];
            if (_pendingCount < rate)
            {
                return;
            }

            _sponge.Absorb(_pending);
            _pendingCount = 0;
        }

        var whole = data.Length - (data.Length % rate);
        if (whole > 0)
        {
            _sponge.Absorb(data[..whole]);
        }

        data[whole..].CopyTo(_pending);
        _pendingCount = data.Length - whole;
    }

    /// <summary>Writes the digest of everything appended so far; the state is left unchanged.</summary>
    public void GetCurrentHash(Span<byte> destination) => _sponge.Squeeze(_pending.AsSpan(0, _pendingCount), destination);

    public Sha3Digest GetCurrentDigest()
    {
        Span<byte> digest = stackalloc byte[DigestSizeInBytes];
        GetCurrentHash(digest);
        return Sha3Digest.FromBytes(digest);
    }

    public void Reset()
    {
        _sponge.Reset();
        Array.Clear(_pending);
        _pendingCount = 0;
        BytesHashed = 0;
    }
}
