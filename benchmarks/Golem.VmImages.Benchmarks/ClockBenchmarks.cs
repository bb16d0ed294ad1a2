using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// The core clock as the benchmarks see it: <see cref="Iterations"/> x 8 additions that each wait for the one before
/// run at one per cycle, so GHz = 8 x <see cref="Iterations"/> / time. Needed to turn the engine timings into cycles per
/// Keccak-f round on a machine (a VM) without performance counters.
/// </summary>
public class ClockBenchmarks
{
    /// <summary>The loop count: 2^25 iterations of eight dependent additions.</summary>
    public const int Iterations = 1 << 25;

    [Benchmark]
    public ulong DependentAdds() => DependentAdds(Iterations, 3);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong DependentAdds(int iterations, ulong step)
    {
        var x = step;
        for (var i = 0; i < iterations; i++)
        {
            x += step;
            x += step;
            x += step;
            x += step;
            x += step;
            x += step;
            x += step;
            x += step;
        }

        return x;
    }
}
