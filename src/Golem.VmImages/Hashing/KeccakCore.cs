using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Golem.VmImages.Hashing;

/// <summary>The instruction-set paths of <see cref="KeccakCore"/>; tests and benchmarks force each one.</summary>
internal enum KeccakPath
{
    /// <summary>Portable C#: a fully unrolled round over 25 local <see cref="ulong"/> lanes. Always available.</summary>
    Scalar,

    /// <summary>
    /// AVX-512 (F + VL), lane per register: every lane in its own vector register (the 32 EVEX registers hold the
    /// whole state), <c>vpternlogq</c> for theta's five-way XOR and for chi, <c>vprolq</c> for rho.
    /// </summary>
    Avx512,

    /// <summary>
    /// AVX-512 (F), row layout: five lanes per 512-bit register, <c>vpternlogq</c> for theta and chi,
    /// <c>vprolvq</c> for rho, permutes for pi and for the transpose that alternates rows and columns.
    /// </summary>
    Avx512Rows,

    /// <summary>
    /// Whichever of <see cref="Avx512"/> and <see cref="Avx512Rows"/> a short calibration found faster on this CPU;
    /// until a call has enough to hash to calibrate (see <see cref="KeccakCore.CalibrationThresholdBlocks"/>),
    /// <see cref="Avx512"/>.
    /// </summary>
    Calibrated,
}

/// <summary>
/// Keccak-f[1600] and the SHA3 sponge absorb loop, one partial file per kernel (<c>KeccakCore.Scalar.cs</c>,
/// <c>KeccakCore.Avx512.cs</c>, <c>KeccakCore.Avx512Rows.cs</c>) and one for choosing between the two AVX-512 kernels
/// (<c>KeccakCore.Calibration.cs</c>). The state is 25 little-endian lanes,
/// lane (x, y) at index <c>x + 5y</c>, exactly as FIPS 202 lays out the 1600-bit string.
/// </summary>
/// <remarks>
/// There is no AVX2 path: AVX2 has neither a 64-bit rotate nor a three-input logic instruction, so a single
/// Keccak state gains nothing from it over the scalar code (see <c>benchmarks/README.md</c>).
/// </remarks>
internal static partial class KeccakCore
{
    /// <summary>The number of 64-bit lanes in the state.</summary>
    public const int StateLanes = 25;

    /// <summary>The state in bytes (1600 bits); a SHA3 rate is this minus twice the digest size.</summary>
    public const int StateSizeInBytes = StateLanes * sizeof(ulong);

    /// <summary>The largest SHA3 rate, SHA3-224's.</summary>
    public const int MaxRateInBytes = 144;

    private const int Rounds = 24;

    /// <summary>
    /// Gets the path <see cref="Sha3Hasher"/> runs unless told otherwise: the kernel named by the
    /// <see cref="KernelVariable"/> environment variable when this machine supports it, otherwise
    /// <see cref="KeccakPath.Calibrated"/> with AVX-512 and <see cref="KeccakPath.Scalar"/> without.
    /// </summary>
    public static KeccakPath FastestPath { get; } = ForcedPath() ?? (IsSupported(KeccakPath.Calibrated) ? KeccakPath.Calibrated : KeccakPath.Scalar);

    /// <summary>Gets every path this machine (and the runtime's <c>DOTNET_Enable…</c> settings) supports.</summary>
    public static IReadOnlyList<KeccakPath> SupportedPaths { get; } =
        Enum.GetValues<KeccakPath>().Where(IsSupported).ToArray();

    /// <summary>The iota round constants.</summary>
    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ];

    /// <summary>Indicates whether <paramref name="path"/> can run here.</summary>
    public static bool IsSupported(KeccakPath path) => path switch
    {
        KeccakPath.Scalar => true,
        KeccakPath.Avx512 => Avx512F.VL.IsSupported,
        KeccakPath.Avx512Rows => Avx512F.IsSupported,
        KeccakPath.Calibrated => Avx512F.VL.IsSupported,
        _ => false,
    };

    /// <summary>
    /// XORs each <paramref name="rateInBytes"/>-byte block of <paramref name="blocks"/> into
    /// <paramref name="state"/> and permutes after each one.
    /// </summary>
    public static void Absorb(Span<ulong> state, ReadOnlySpan<byte> blocks, int rateInBytes, KeccakPath path)
    {
        Debug.Assert(state.Length == StateLanes, "The state is 25 lanes.");
        Debug.Assert(rateInBytes is 72 or 104 or 136 or 144, "A SHA3 rate.");
        Debug.Assert(blocks.Length % rateInBytes == 0, "Whole blocks only.");
        if (blocks.IsEmpty)
        {
            return;
        }

        if (path == KeccakPath.Calibrated)
        {
            path = ChooseFor(blocks, rateInBytes);
        }

        if (path == KeccakPath.Avx512 && Avx512F.VL.IsSupported)
        {
            AbsorbAvx512(state, blocks, rateInBytes);
        }
        else if (path == KeccakPath.Avx512Rows && Avx512F.IsSupported)
        {
            AbsorbAvx512Rows(state, blocks, rateInBytes);
        }
        else
        {
            Debug.Assert(path == KeccakPath.Scalar, "Unsupported paths are rejected when the hasher is created.");
            AbsorbScalar(state, blocks, rateInBytes);
        }
    }

    /// <summary>Reads lane <paramref name="index"/> of a block, little-endian, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLane(ref byte block, int index)
    {
        var lane = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref block, index * sizeof(ulong)));
        return BitConverter.IsLittleEndian ? lane : BinaryPrimitives.ReverseEndianness(lane);
    }
}
