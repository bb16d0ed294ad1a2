using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Golem.VmImages.Hashing;

/// <summary>The outcome of one calibration: the best time of each AVX-512 kernel over the same blocks, and the winner.</summary>
/// <param name="Chosen">The faster kernel, <see cref="KeccakPath.Avx512"/> on a tie.</param>
/// <param name="Avx512">The best time of <see cref="KeccakPath.Avx512"/> (lane per register) over <paramref name="Blocks"/> blocks.</param>
/// <param name="Avx512Rows">The best time of <see cref="KeccakPath.Avx512Rows"/> over the same blocks.</param>
/// <param name="Blocks">How many blocks each timed run absorbed.</param>
/// <param name="Elapsed">The whole calibration, warm-up included.</param>
internal sealed record KeccakCalibration(KeccakPath Chosen, TimeSpan Avx512, TimeSpan Avx512Rows, int Blocks, TimeSpan Elapsed)
{
    /// <summary>Returns one line for the <see cref="KeccakCore.ReportVariable"/> report and the benchmarks.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Keccak calibration: Avx512 {Avx512.TotalMicroseconds:F2} us, Avx512Rows {Avx512Rows.TotalMicroseconds:F2} us for {Blocks} blocks (best of {KeccakCore.CalibrationRuns}); chose {Chosen} in {Elapsed.TotalMicroseconds:F0} us");
}

internal static partial class KeccakCore
{
    /// <summary>
    /// The environment variable that forces a kernel for the whole process: <c>Scalar</c>, <c>Avx512</c> or
    /// <c>Avx512Rows</c> (any case). A value this machine cannot run, or any other value, leaves the choice to calibration.
    /// </summary>
    public const string KernelVariable = "GOLEM_VMIMAGES_KECCAK";

    /// <summary>The environment variable that, set to <c>1</c>, makes the calibration write its outcome to standard error.</summary>
    public const string ReportVariable = "GOLEM_VMIMAGES_KECCAK_REPORT";

    /// <summary>
    /// The fewest whole blocks one <see cref="Absorb"/> call must bring before <see cref="KeccakPath.Calibrated"/>
    /// calibrates (144 KiB at SHA3-224's rate): the calibration absorbs about a third as many, so smaller inputs
    /// (a 1-byte file, a manifest) stay on <see cref="KeccakPath.Avx512"/> and never pay for it.
    /// </summary>
    public const int CalibrationThresholdBlocks = 1024;

    /// <summary>The blocks each timed run absorbs: a few dozen, a few microseconds per run.</summary>
    public const int CalibrationBlocks = 32;

    /// <summary>Timed runs per kernel, interleaved; the best of each counts.</summary>
    public const int CalibrationRuns = 5;

    private static KeccakCalibration? s_calibration;

    /// <summary>Gets this process's calibration, or <see langword="null"/> before one has run.</summary>
    public static KeccakCalibration? Calibration => Volatile.Read(ref s_calibration);

    /// <summary>
    /// Times both AVX-512 kernels over the first <see cref="CalibrationBlocks"/> blocks of <paramref name="blocks"/>
    /// (on a scratch state: the caller's state is not touched), <see cref="CalibrationRuns"/> interleaved runs each,
    /// and returns the faster by best time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static KeccakCalibration Calibrate(ReadOnlySpan<byte> blocks, int rateInBytes)
    {
        if (!Avx512F.VL.IsSupported)
        {
            throw new PlatformNotSupportedException(ErrorMessages.KeccakPathNotSupported(nameof(KeccakPath.Calibrated)));
        }

        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();
        var sample = blocks[..(CalibrationBlocks * rateInBytes)];
        Span<ulong> scratch = stackalloc ulong[StateLanes];

        // One block each first: the JIT compiles a kernel on its first call, and that must not count.
        AbsorbAvx512(scratch, sample[..rateInBytes], rateInBytes);
        AbsorbAvx512Rows(scratch, sample[..rateInBytes], rateInBytes);
        var lanes = long.MaxValue;
        var rows = long.MaxValue;
        for (var run = 0; run < CalibrationRuns; run++)
        {
            // Alternate which kernel goes first, so that neither always runs on a cache or clock the other warmed.
            if (run % 2 == 0)
            {
                lanes = Math.Min(lanes, Time(AbsorbAvx512, scratch, sample, rateInBytes));
                rows = Math.Min(rows, Time(AbsorbAvx512Rows, scratch, sample, rateInBytes));
            }
            else
            {
                rows = Math.Min(rows, Time(AbsorbAvx512Rows, scratch, sample, rateInBytes));
                lanes = Math.Min(lanes, Time(AbsorbAvx512, scratch, sample, rateInBytes));
            }
        }

        return new KeccakCalibration(
            Choose(lanes, rows),
            TimeSpan.FromSeconds((double)lanes / clock.TimestampFrequency),
            TimeSpan.FromSeconds((double)rows / clock.TimestampFrequency),
            CalibrationBlocks,
            clock.GetElapsedTime(started));

        long Time(AbsorbKernel kernel, Span<ulong> state, ReadOnlySpan<byte> data, int rate)
        {
            var start = clock.GetTimestamp();
            kernel(state, data, rate);
            return clock.GetTimestamp() - start;
        }
    }

    /// <summary>The kernel with the shorter best time; the lane-per-register kernel, today's default, on a tie.</summary>
    internal static KeccakPath Choose(long avx512Ticks, long avx512RowsTicks) =>
        avx512RowsTicks < avx512Ticks ? KeccakPath.Avx512Rows : KeccakPath.Avx512;

    /// <summary>Forgets the calibration, so that a test can watch the next one happen.</summary>
    internal static void ForgetCalibration() => Volatile.Write(ref s_calibration, null);

    /// <summary>
    /// Reads a kernel name as <see cref="KernelVariable"/> takes it: a concrete kernel this machine supports, or
    /// <see langword="null"/> for anything else (unset, unknown, <c>Calibrated</c>, or not supported here).
    /// </summary>
    internal static KeccakPath? ParseForcedPath(string? value) =>
        Enum.TryParse<KeccakPath>(value, ignoreCase: true, out var path)
            && path is KeccakPath.Scalar or KeccakPath.Avx512 or KeccakPath.Avx512Rows
            && !char.IsAsciiDigit(value![0])
            && IsSupported(path)
            ? path
            : null;

    private static KeccakPath? ForcedPath() => ParseForcedPath(Environment.GetEnvironmentVariable(KernelVariable));

    /// <summary>
    /// Resolves <see cref="KeccakPath.Calibrated"/> for one <see cref="Absorb"/> call: the remembered choice, or a
    /// calibration over this call's first blocks when it brings at least <see cref="CalibrationThresholdBlocks"/>,
    /// or <see cref="KeccakPath.Avx512"/> for now. Two threads may both calibrate once; either answer is a valid kernel.
    /// </summary>
    private static KeccakPath ChooseFor(ReadOnlySpan<byte> blocks, int rateInBytes)
    {
        if (Volatile.Read(ref s_calibration) is { } known)
        {
            return known.Chosen;
        }

        if (blocks.Length < CalibrationThresholdBlocks * rateInBytes)
        {
            return KeccakPath.Avx512;
        }

        var calibration = Calibrate(blocks, rateInBytes);
        Volatile.Write(ref s_calibration, calibration);
        if (Environment.GetEnvironmentVariable(ReportVariable) == "1")
        {
            Console.Error.WriteLine(calibration.ToString());
        }

        return calibration.Chosen;
    }

    private delegate void AbsorbKernel(Span<ulong> state, ReadOnlySpan<byte> blocks, int rateInBytes);
}
