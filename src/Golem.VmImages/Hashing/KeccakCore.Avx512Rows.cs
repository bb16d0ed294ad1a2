using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Golem.VmImages.Hashing;

internal static partial class KeccakCore
{
    /// <summary>
    /// The row-layout AVX-512 path: five lanes per 512-bit register, one register per row y (lane x at element x;
    /// elements 5 to 7 carry garbage that never reaches elements 0 to 4). Each round alternates two layouts:
    /// theta and rho work on rows (theta's column parities are two <c>vpternlogq</c> of the five rows, rho is one
    /// <c>vprolvq</c> per row); pi turns each row into a column of the next state with one <c>vpermq</c>, so chi
    /// runs across registers (one <c>vpternlogq</c> per column, no permutes) and iota touches column 0; a 5x5
    /// transpose (unpacks and <c>vpermt2q</c>) brings the columns back to rows. About 38 instructions a round
    /// instead of the lane-per-register path's 95, but more of them are permutes, so which path is faster depends
    /// on the CPU: <see cref="KeccakPath.Calibrated"/> measures it.
    /// </summary>
    /// <remarks>
    /// All constants are <see cref="Vector512.Create(ulong, ulong, ulong, ulong, ulong, ulong, ulong, ulong)"/> of
    /// literals, which the JIT embeds as data at every tier (a <c>static readonly</c> vector is a constant only at
    /// tier 1). The method allocates nothing on the stack, which would keep it from on-stack replacement.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AbsorbAvx512Rows(Span<ulong> state, ReadOnlySpan<byte> blocks, int rateInBytes)
    {
        _ = state[StateLanes - 1];
        ref var lanes = ref MemoryMarshal.GetReference(state);

        // Rows 0 to 3 read eight lanes (within the 25); row 4 reads lanes 20 to 23 and 24 alone.
        var r0 = Vector512.LoadUnsafe(ref lanes, 0);
        var r1 = Vector512.LoadUnsafe(ref lanes, 5);
        var r2 = Vector512.LoadUnsafe(ref lanes, 10);
        var r3 = Vector512.LoadUnsafe(ref lanes, 15);
        var r4 = Vector512.Create(Vector256.LoadUnsafe(ref lanes, 20), Vector256.CreateScalar(state[24]));

        ref var input = ref MemoryMarshal.GetReference(blocks);
        for (var offset = 0; offset <= blocks.Length - rateInBytes; offset += rateInBytes)
        {
            // Every load stays inside the block: lanes past the rate must not be touched, and the last block may
            // end at the end of readable memory. vpermt2q with a zero vector clears the elements of a partial row.
            ref var block = ref Unsafe.Add(ref input, offset);
            var zero = Vector512<ulong>.Zero;
            if (rateInBytes == 144)
            {
                // Lanes 0-17: rows 0 to 2 whole, row 3 = lanes 15-17 (elements 5-7 of the load at lane 10).
                r0 ^= LoadLanes(ref block, 0);
                r1 ^= LoadLanes(ref block, 5);
                var high = LoadLanes(ref block, 10);
                r2 ^= high;
                r3 ^= Avx512F.PermuteVar8x64x2(high, Vector512.Create(5UL, 6, 7, 8, 8, 8, 8, 8), zero);
            }
            else if (rateInBytes == 136)
            {
                // Lanes 0-16: rows 0 and 1 whole, rows 2 (lanes 10-14) and 3 (lanes 15-16) from the load at lane 9.
                r0 ^= LoadLanes(ref block, 0);
                r1 ^= LoadLanes(ref block, 5);
                var high = LoadLanes(ref block, 9);
                r2 ^= Avx512F.PermuteVar8x64(high, Vector512.Create(1UL, 2, 3, 4, 5, 0, 0, 0));
                r3 ^= Avx512F.PermuteVar8x64x2(high, Vector512.Create(6UL, 7, 8, 8, 8, 8, 8, 8), zero);
            }
            else if (rateInBytes == 104)
            {
                // Lanes 0-12: rows 0 and 1 whole, row 2 = lanes 10-12 (elements 5-7 of the load at lane 5).
                r0 ^= LoadLanes(ref block, 0);
                var high = LoadLanes(ref block, 5);
                r1 ^= high;
                r2 ^= Avx512F.PermuteVar8x64x2(high, Vector512.Create(5UL, 6, 7, 8, 8, 8, 8, 8), zero);
            }
            else
            {
                // Lanes 0-8: row 0 whole, row 1 = lanes 5-8 (elements 4-7 of the load at lane 1).
                r0 ^= LoadLanes(ref block, 0);
                r1 ^= Avx512F.PermuteVar8x64x2(LoadLanes(ref block, 1), Vector512.Create(4UL, 5, 6, 7, 8, 8, 8, 8), zero);
            }

            for (var round = 0; round < Rounds; round++)
            {
                // Theta: c = column parities, d[x] = c[x - 1] ^ rotl(c[x + 1], 1), folded into each row's XOR.
                var c = Avx512F.TernaryLogic(Avx512F.TernaryLogic(r0, r1, r2, Xor3), r3, r4, Xor3);
                var previous = Avx512F.PermuteVar8x64(c, Vector512.Create(4UL, 0, 1, 2, 3, 5, 6, 7));
                var next = Avx512F.RotateLeft(Avx512F.PermuteVar8x64(c, Vector512.Create(1UL, 2, 3, 4, 0, 5, 6, 7)), 1);

                // Rho per lane, then pi: row y becomes column y of the next state, element Y taking lane (3Y + y) mod 5.
                var c0 = Avx512F.PermuteVar8x64(
                    Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r0, previous, next, Xor3), Vector512.Create(0UL, 1, 62, 28, 27, 0, 0, 0)),
                    Vector512.Create(0UL, 3, 1, 4, 2, 5, 6, 7));
                var c1 = Avx512F.PermuteVar8x64(
                    Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r1, previous, next, Xor3), Vector512.Create(36UL, 44, 6, 55, 20, 0, 0, 0)),
                    Vector512.Create(1UL, 4, 2, 0, 3, 5, 6, 7));
                var c2 = Avx512F.PermuteVar8x64(
                    Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r2, previous, next, Xor3), Vector512.Create(3UL, 10, 43, 25, 39, 0, 0, 0)),
                    Vector512.Create(2UL, 0, 3, 1, 4, 5, 6, 7));
                var c3 = Avx512F.PermuteVar8x64(
                    Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r3, previous, next, Xor3), Vector512.Create(41UL, 45, 15, 21, 8, 0, 0, 0)),
                    Vector512.Create(3UL, 1, 4, 2, 0, 5, 6, 7));
                var c4 = Avx512F.PermuteVar8x64(
                    Avx512F.RotateLeftVariable(Avx512F.TernaryLogic(r4, previous, next, Xor3), Vector512.Create(18UL, 2, 61, 56, 14, 0, 0, 0)),
                    Vector512.Create(4UL, 2, 0, 3, 1, 5, 6, 7));

                // Chi across the column registers, iota on lane (0, 0); it cannot move before chi.
                var t0 = Avx512F.TernaryLogic(c0, c1, c2, Chi) ^ Vector512.CreateScalar(RoundConstants[round]);
                var t1 = Avx512F.TernaryLogic(c1, c2, c3, Chi);
                var t2 = Avx512F.TernaryLogic(c2, c3, c4, Chi);
                var t3 = Avx512F.TernaryLogic(c3, c4, c0, Chi);
                var t4 = Avx512F.TernaryLogic(c4, c0, c1, Chi);

                // Transpose the 5x5 back to rows. Within each 128-bit pair, the unpacks interleave columns 0 and 1
                // (and 2 and 3) element by element: even rows in the low unpacks, odd rows in the high ones.
                var even01 = Avx512F.UnpackLow(t0, t1);
                var odd01 = Avx512F.UnpackHigh(t0, t1);
                var even23 = Avx512F.UnpackLow(t2, t3);
                var odd23 = Avx512F.UnpackHigh(t2, t3);

                // Column 4's rows 0 and 2 go to the spare elements 6-7 of even01, rows 1 and 3 to those of odd01.
                even01 = Avx512F.PermuteVar8x64x2(even01, Vector512.Create(0UL, 1, 2, 3, 4, 5, 8, 10), t4);
                odd01 = Avx512F.PermuteVar8x64x2(odd01, Vector512.Create(0UL, 1, 2, 3, 4, 5, 9, 11), t4);
                r0 = Avx512F.PermuteVar8x64x2(even01, Vector512.Create(0UL, 1, 8, 9, 6, 5, 6, 7), even23);
                r1 = Avx512F.PermuteVar8x64x2(odd01, Vector512.Create(0UL, 1, 8, 9, 6, 5, 6, 7), odd23);
                r2 = Avx512F.PermuteVar8x64x2(even01, Vector512.Create(2UL, 3, 10, 11, 7, 5, 6, 7), even23);
                r3 = Avx512F.PermuteVar8x64x2(odd01, Vector512.Create(2UL, 3, 10, 11, 7, 5, 6, 7), odd23);
                r4 = Vector512.ConditionalSelect(
                    Vector512.Create(0UL, 0, 0, 0, ulong.MaxValue, 0, 0, 0),
                    t4,
                    Avx512F.PermuteVar8x64x2(even01, Vector512.Create(4UL, 5, 12, 13, 4, 5, 6, 7), even23));
            }
        }

        // Ascending stores: each row's garbage elements 5-7 are overwritten by the next row.
        r0.StoreUnsafe(ref lanes, 0);
        r1.StoreUnsafe(ref lanes, 5);
        r2.StoreUnsafe(ref lanes, 10);
        r3.StoreUnsafe(ref lanes, 15);
        r4.GetLower().StoreUnsafe(ref lanes, 20);
        state[24] = r4.GetElement(4);
    }

    /// <summary>Reads eight little-endian lanes of a block, starting at lane <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> LoadLanes(ref byte block, int index) =>
        Vector512.LoadUnsafe(ref Unsafe.Add(ref block, index * sizeof(ulong))).AsUInt64();
}
