using BenchmarkDotNet.Attributes;
using Golem.VmImages.Hashing;
using BcSha3Digest = Org.BouncyCastle.Crypto.Digests.Sha3Digest;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// In-memory SHA3-224 throughput of each engine path against BouncyCastle (the baseline), one-shot over
/// <see cref="Size"/> bytes of fixed-seed random data. A path this machine lacks reports NA. <see cref="Calibrated"/> is
/// the kernel the library chose on this CPU; the set-up prints the CPU's family and model and that calibration.
/// </summary>
/// <remarks>
/// Cycles per Keccak-f round = clock (see <see cref="ClockBenchmarks"/>) x time / (blocks x 24), with
/// Size / 144 blocks for SHA3-224.
/// </remarks>
[MemoryDiagnoser]
public class EngineThroughputBenchmarks
{
    private readonly byte[] _digest = new byte[28];
    private readonly BcSha3Digest _reference = new(224);
    private byte[] _data = [];

    [Params(64, 1024, 64 * 1024, 1024 * 1024, 64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
        if (KeccakCore.IsSupported(KeccakPath.Calibrated))
        {
            // Settle the choice up front, on enough blocks to calibrate, so that every Size measures the chosen kernel.
            var calibrationInput = new byte[KeccakCore.CalibrationThresholdBlocks * 144];
            new Sha3Hasher(28, KeccakPath.Calibrated).Append(calibrationInput);
        }

        Console.WriteLine($"// CPU: {CpuIdentity.Describe()}; {KeccakCore.Calibration?.ToString() ?? "no AVX-512 calibration"}");
    }

    [Benchmark(Baseline = true)]
    public byte BouncyCastle()
    {
        _reference.BlockUpdate(_data);
        _reference.DoFinal(_digest);
        return _digest[0];
    }

    [Benchmark]
    public byte Scalar() => Hash(KeccakPath.Scalar);

    [Benchmark]
    public byte Avx512() => Hash(KeccakPath.Avx512);

    [Benchmark]
    public byte Avx512Rows() => Hash(KeccakPath.Avx512Rows);

    [Benchmark]
    public byte Calibrated() => Hash(KeccakPath.Calibrated);

    private byte Hash(KeccakPath path)
    {
        Sha3Hasher.HashData(_data, _digest, path);
        return _digest[0];
    }
}
