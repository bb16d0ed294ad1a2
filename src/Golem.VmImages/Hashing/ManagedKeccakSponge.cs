using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Golem.VmImages.Hashing;

/// <summary>Our own SHA3 sponge over <see cref="KeccakCore"/>, running one fixed <see cref="KeccakPath"/>.</summary>
internal sealed class ManagedKeccakSponge : KeccakSponge
{
    private const int MaxRateInBytes = 144;

    private readonly ulong[] _state = new ulong[KeccakCore.StateLanes];

    public ManagedKeccakSponge(int digestSizeInBytes, KeccakPath path)
        : base(digestSizeInBytes)
    {
        Debug.Assert(KeccakCore.IsSupported(path), "Callers check the path first.");
        Path = path;
    }

    /// <summary>Gets the instruction-set path this sponge runs.</summary>
    public KeccakPath Path { get; }

    public override void Absorb(ReadOnlySpan<byte> blocks) => KeccakCore.Absorb(_state, blocks, RateInBytes, Path);

    public override void Squeeze(ReadOnlySpan<byte> finalBlock, Span<byte> destination)
    {
        Debug.Assert(finalBlock.Length < RateInBytes, "The final block is always partial.");
        Span<ulong> state = stackalloc ulong[KeccakCore.StateLanes];
        _state.CopyTo(state);

        // FIPS 202 padding: the SHA3 domain bits 01, then pad10*1, all inside this last block.
        Span<byte> last = stackalloc byte[MaxRateInBytes];
        last = last[..RateInBytes];
        last.Clear();
        finalBlock.CopyTo(last);
        last[finalBlock.Length] ^= 0x06;
        last[^1] ^= 0x80;
        KeccakCore.Absorb(state, last, RateInBytes, Path);

        // Every SHA3 digest is shorter than its rate, so one squeeze gives all of it.
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(state, state);
        }

        MemoryMarshal.AsBytes(state)[..DigestSizeInBytes].CopyTo(destination);
    }

    public override void Reset() => Array.Clear(_state);

    /// <summary>Copies the 25 lanes of the running state (after the last whole block absorbed).</summary>
    public override bool TryCopyState(Span<ulong> destination)
    {
        _state.CopyTo(destination);
        return true;
    }
}
