using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Golem.VmImages.Hashing;

internal static partial class KeccakCore
{
    /// <summary><c>vpternlogq</c> control byte for <c>a ^ b ^ c</c>.</summary>
    private const byte Xor3 = 0x96;

    /// <summary><c>vpternlogq</c> control byte for chi, <c>a ^ (~b &amp; c)</c>.</summary>
    private const byte Chi = 0xD2;

    /// <summary>
    /// The AVX-512 path: each lane lives in the low 64 bits of its own 128-bit register. With EVEX encoding the
    /// JIT has 32 vector registers, enough for the 25 lanes plus theta's column parities, so nothing spills;
    /// theta's five-way XOR is two <c>vpternlogq</c>, chi is one <c>vpternlogq</c> per lane and rho is
    /// <c>vprolq</c>. No permutes are needed because pi is only a renaming of registers. 128-bit operations
    /// keep every instruction single-pumped on CPUs that split 512-bit operations in two (AMD Zen 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AbsorbAvx512(Span<ulong> state, ReadOnlySpan<byte> blocks, int rateInBytes)
    {
        _ = state[StateLanes - 1];
        var a00 = Vector128.CreateScalar(state[0]);
        var a10 = Vector128.CreateScalar(state[1]);
        var a20 = Vector128.CreateScalar(state[2]);
        var a30 = Vector128.CreateScalar(state[3]);
        var a40 = Vector128.CreateScalar(state[4]);
        var a01 = Vector128.CreateScalar(state[5]);
        var a11 = Vector128.CreateScalar(state[6]);
        var a21 = Vector128.CreateScalar(state[7]);
        var a31 = Vector128.CreateScalar(state[8]);
        var a41 = Vector128.CreateScalar(state[9]);
        var a02 = Vector128.CreateScalar(state[10]);
        var a12 = Vector128.CreateScalar(state[11]);
        var a22 = Vector128.CreateScalar(state[12]);
        var a32 = Vector128.CreateScalar(state[13]);
        var a42 = Vector128.CreateScalar(state[14]);
        var a03 = Vector128.CreateScalar(state[15]);
        var a13 = Vector128.CreateScalar(state[16]);
        var a23 = Vector128.CreateScalar(state[17]);
        var a33 = Vector128.CreateScalar(state[18]);
        var a43 = Vector128.CreateScalar(state[19]);
        var a04 = Vector128.CreateScalar(state[20]);
        var a14 = Vector128.CreateScalar(state[21]);
        var a24 = Vector128.CreateScalar(state[22]);
        var a34 = Vector128.CreateScalar(state[23]);
        var a44 = Vector128.CreateScalar(state[24]);
        Vector128<ulong> e00, e10, e20, e30, e40, e01, e11, e21, e31, e41, e02, e12, e22, e32, e42, e03, e13, e23, e33, e43, e04, e14, e24, e34, e44;
        Vector128<ulong> c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;

        ref var input = ref MemoryMarshal.GetReference(blocks);
        for (var offset = 0; offset <= blocks.Length - rateInBytes; offset += rateInBytes)
        {
            ref var block = ref Unsafe.Add(ref input, offset);
            a00 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 0));
            a10 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 1));
            a20 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 2));
            a30 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 3));
            a40 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 4));
            a01 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 5));
            a11 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 6));
            a21 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 7));
            a31 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 8));
            if (rateInBytes > 72)
            {
                a41 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 9));
                a02 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 10));
                a12 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 11));
                a22 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 12));
            }
            if (rateInBytes > 104)
            {
                a32 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 13));
                a42 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 14));
                a03 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 15));
                a13 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 16));
            }
            if (rateInBytes > 136)
            {
                a23 ^= Vector128.CreateScalarUnsafe(ReadLane(ref block, 17));
            }

            for (var round = 0; round < Rounds; round += 2)
            {
                c0 = Xor5(a00, a01, a02, a03, a04);
                c1 = Xor5(a10, a11, a12, a13, a14);
                c2 = Xor5(a20, a21, a22, a23, a24);
                c3 = Xor5(a30, a31, a32, a33, a34);
                c4 = Xor5(a40, a41, a42, a43, a44);
                d0 = c4 ^ Avx512F.VL.RotateLeft(c1, 1);
                d1 = c0 ^ Avx512F.VL.RotateLeft(c2, 1);
                d2 = c1 ^ Avx512F.VL.RotateLeft(c3, 1);
                d3 = c2 ^ Avx512F.VL.RotateLeft(c4, 1);
                d4 = c3 ^ Avx512F.VL.RotateLeft(c0, 1);
                b0 = a00 ^ d0;
                b1 = Avx512F.VL.RotateLeft(a11 ^ d1, 44);
                b2 = Avx512F.VL.RotateLeft(a22 ^ d2, 43);
                b3 = Avx512F.VL.RotateLeft(a33 ^ d3, 21);
                b4 = Avx512F.VL.RotateLeft(a44 ^ d4, 14);
                e00 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi) ^ Vector128.CreateScalar(RoundConstants[round]);
                e10 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                e20 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                e30 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                e40 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(a30 ^ d3, 28);
                b1 = Avx512F.VL.RotateLeft(a41 ^ d4, 20);
                b2 = Avx512F.VL.RotateLeft(a02 ^ d0, 3);
                b3 = Avx512F.VL.RotateLeft(a13 ^ d1, 45);
                b4 = Avx512F.VL.RotateLeft(a24 ^ d2, 61);
                e01 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                e11 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                e21 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                e31 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                e41 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(a10 ^ d1, 1);
                b1 = Avx512F.VL.RotateLeft(a21 ^ d2, 6);
                b2 = Avx512F.VL.RotateLeft(a32 ^ d3, 25);
                b3 = Avx512F.VL.RotateLeft(a43 ^ d4, 8);
                b4 = Avx512F.VL.RotateLeft(a04 ^ d0, 18);
                e02 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                e12 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                e22 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                e32 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                e42 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(a40 ^ d4, 27);
                b1 = Avx512F.VL.RotateLeft(a01 ^ d0, 36);
                b2 = Avx512F.VL.RotateLeft(a12 ^ d1, 10);
                b3 = Avx512F.VL.RotateLeft(a23 ^ d2, 15);
                b4 = Avx512F.VL.RotateLeft(a34 ^ d3, 56);
                e03 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                e13 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                e23 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                e33 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                e43 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(a20 ^ d2, 62);
                b1 = Avx512F.VL.RotateLeft(a31 ^ d3, 55);
                b2 = Avx512F.VL.RotateLeft(a42 ^ d4, 39);
                b3 = Avx512F.VL.RotateLeft(a03 ^ d0, 41);
                b4 = Avx512F.VL.RotateLeft(a14 ^ d1, 2);
                e04 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                e14 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                e24 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                e34 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                e44 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);

                c0 = Xor5(e00, e01, e02, e03, e04);
                c1 = Xor5(e10, e11, e12, e13, e14);
                c2 = Xor5(e20, e21, e22, e23, e24);
                c3 = Xor5(e30, e31, e32, e33, e34);
                c4 = Xor5(e40, e41, e42, e43, e44);
                d0 = c4 ^ Avx512F.VL.RotateLeft(c1, 1);
                d1 = c0 ^ Avx512F.VL.RotateLeft(c2, 1);
                d2 = c1 ^ Avx512F.VL.RotateLeft(c3, 1);
                d3 = c2 ^ Avx512F.VL.RotateLeft(c4, 1);
                d4 = c3 ^ Avx512F.VL.RotateLeft(c0, 1);
                b0 = e00 ^ d0;
                b1 = Avx512F.VL.RotateLeft(e11 ^ d1, 44);
                b2 = Avx512F.VL.RotateLeft(e22 ^ d2, 43);
                b3 = Avx512F.VL.RotateLeft(e33 ^ d3, 21);
                b4 = Avx512F.VL.RotateLeft(e44 ^ d4, 14);
                a00 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi) ^ Vector128.CreateScalar(RoundConstants[round + 1]);
                a10 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                a20 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                a30 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                a40 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(e30 ^ d3, 28);
                b1 = Avx512F.VL.RotateLeft(e41 ^ d4, 20);
                b2 = Avx512F.VL.RotateLeft(e02 ^ d0, 3);
                b3 = Avx512F.VL.RotateLeft(e13 ^ d1, 45);
                b4 = Avx512F.VL.RotateLeft(e24 ^ d2, 61);
                a01 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                a11 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                a21 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                a31 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                a41 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(e10 ^ d1, 1);
                b1 = Avx512F.VL.RotateLeft(e21 ^ d2, 6);
                b2 = Avx512F.VL.RotateLeft(e32 ^ d3, 25);
                b3 = Avx512F.VL.RotateLeft(e43 ^ d4, 8);
                b4 = Avx512F.VL.RotateLeft(e04 ^ d0, 18);
                a02 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                a12 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                a22 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                a32 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                a42 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(e40 ^ d4, 27);
                b1 = Avx512F.VL.RotateLeft(e01 ^ d0, 36);
                b2 = Avx512F.VL.RotateLeft(e12 ^ d1, 10);
                b3 = Avx512F.VL.RotateLeft(e23 ^ d2, 15);
                b4 = Avx512F.VL.RotateLeft(e34 ^ d3, 56);
                a03 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                a13 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                a23 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                a33 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                a43 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
                b0 = Avx512F.VL.RotateLeft(e20 ^ d2, 62);
                b1 = Avx512F.VL.RotateLeft(e31 ^ d3, 55);
                b2 = Avx512F.VL.RotateLeft(e42 ^ d4, 39);
                b3 = Avx512F.VL.RotateLeft(e03 ^ d0, 41);
                b4 = Avx512F.VL.RotateLeft(e14 ^ d1, 2);
                a04 = Avx512F.VL.TernaryLogic(b0, b1, b2, Chi);
                a14 = Avx512F.VL.TernaryLogic(b1, b2, b3, Chi);
                a24 = Avx512F.VL.TernaryLogic(b2, b3, b4, Chi);
                a34 = Avx512F.VL.TernaryLogic(b3, b4, b0, Chi);
                a44 = Avx512F.VL.TernaryLogic(b4, b0, b1, Chi);
            }
        }

        state[0] = a00.ToScalar();
        state[1] = a10.ToScalar();
        state[2] = a20.ToScalar();
        state[3] = a30.ToScalar();
        state[4] = a40.ToScalar();
        state[5] = a01.ToScalar();
        state[6] = a11.ToScalar();
        state[7] = a21.ToScalar();
        state[8] = a31.ToScalar();
        state[9] = a41.ToScalar();
        state[10] = a02.ToScalar();
        state[11] = a12.ToScalar();
        state[12] = a22.ToScalar();
        state[13] = a32.ToScalar();
        state[14] = a42.ToScalar();
        state[15] = a03.ToScalar();
        state[16] = a13.ToScalar();
        state[17] = a23.ToScalar();
        state[18] = a33.ToScalar();
        state[19] = a43.ToScalar();
        state[20] = a04.ToScalar();
        state[21] = a14.ToScalar();
        state[22] = a24.ToScalar();
        state[23] = a34.ToScalar();
        state[24] = a44.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Xor5(Vector128<ulong> a, Vector128<ulong> b, Vector128<ulong> c, Vector128<ulong> d, Vector128<ulong> e) =>
        Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(a, b, c, Xor3), d, e, Xor3);
}
