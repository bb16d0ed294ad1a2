using System.Diagnostics;
using System.Globalization;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- kernels [MiB] [ROUNDS]</c>: in-memory SHA3-224 of one fixed-seed buffer through every
/// Keccak path this machine supports, the paths interleaved within each round (one hash of each per round, so a load
/// change hits them all alike), then best and median MiB/s per path and each path's best against the chosen one.
/// Prints the CPU's family and model and the library's calibration first. Every digest is checked before timing.
/// </summary>
internal static class KernelHarness
{
    public static void Run(string[] args)
    {
        var mebibytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var data = new byte[mebibytes << 20];
        new Random(42).NextBytes(data);

        var paths = KeccakCore.SupportedPaths;
        var expected = new byte[28];
        Sha3Hasher.HashData(data, expected, KeccakPath.Scalar);
        var digest = new byte[28];
        foreach (var path in paths)
        {
            // Also the warm-up: each kernel is compiled and run once before timing; Calibrated calibrates here.
            Sha3Hasher.HashData(data, digest, path);
            if (!digest.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"The {path} kernel's digest differs from the scalar kernel's.");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU: {CpuIdentity.Describe()}; {Environment.ProcessorCount} logical processors; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine(KeccakCore.Calibration?.ToString() ?? "No AVX-512 calibration (no AVX-512 here, or a kernel forced).");
        var seconds = paths.ToDictionary(path => path, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var path in paths)
            {
                var start = Stopwatch.GetTimestamp();
                Sha3Hasher.HashData(data, digest, path);
                seconds[path].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        var chosen = KeccakCore.Calibration?.Chosen ?? KeccakCore.FastestPath;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mebibytes} MiB, {rounds} interleaved rounds (MiB/s):"));
        foreach (var path in paths)
        {
            var sorted = seconds[path].Order().ToList();
            var best = mebibytes / sorted[0];
            var median = mebibytes / sorted[sorted.Count / 2];
            var ratio = seconds[chosen].Min() / sorted[0];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {path,-11} best {best,6:F0}  median {median,6:F0}  speed vs {chosen}: {ratio:F2}x (best against best)"));
        }
    }
}
