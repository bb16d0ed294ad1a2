using System.Diagnostics;
using BcSha3Digest = Org.BouncyCastle.Crypto.Digests.Sha3Digest;

namespace Golem.VmImages.Hashing;

/// <summary>The reference engine: BouncyCastle's <c>Sha3Digest</c>.</summary>
internal sealed class BouncyCastleKeccakSponge : KeccakSponge
{
    private readonly BcSha3Digest _digest;

    public BouncyCastleKeccakSponge(int digestSizeInBytes)
        : base(digestSizeInBytes)
    {
        _digest = new BcSha3Digest(digestSizeInBytes * 8);
    }

    public override void Absorb(ReadOnlySpan<byte> blocks)
    {
        Debug.Assert(blocks.Length % RateInBytes == 0, "The caller buffers partial blocks.");
        _digest.BlockUpdate(blocks);
    }

    public override void Squeeze(ReadOnlySpan<byte> finalBlock, Span<byte> destination)
    {
        Debug.Assert(finalBlock.Length < RateInBytes, "The final block is always partial.");
        var copy = new BcSha3Digest(_digest);
        copy.BlockUpdate(finalBlock);
        copy.DoFinal(destination[..DigestSizeInBytes]);
    }

    public override void Reset() => _digest.Reset();
}
