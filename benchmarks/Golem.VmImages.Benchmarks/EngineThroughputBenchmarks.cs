using BenchmarkDotNet.Attributes;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// In-memory SHA3-224 throughput of each engine path against BouncyCastle (the baseline), one-shot over
/// <see cref="Size"/> bytes of fixed-seed random data. A path this machine lacks reports NA.
/// </summary>
[MemoryDiagnoser]
public class EngineThroughputBenchmarks
{
    private byte[] _data = [];
    private readonly byte[] _digest = new byte[28];
    private KeccakSponge _reference = null!;
    private KeccakSponge? _scalar;
    private KeccakSponge? _avx512;

    [Params(64, 1024, 64 * 1024, 1024 * 1024, 64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
        _reference = KeccakSponge.CreateReference(28);
        _scalar = KeccakSponge.Create(28, KeccakPath.Scalar);
        _avx512 = KeccakCore.IsSupported(KeccakPath.Avx512) ? KeccakSponge.Create(28, KeccakPath.Avx512) : null;
    }

    [Benchmark(Baseline = true)]
    public byte BouncyCastle() => Hash(_reference);

    [Benchmark]
    public byte Scalar() => Hash(_scalar!);

    [Benchmark]
    public byte Avx512() => Hash(_avx512 ?? throw new PlatformNotSupportedException("No AVX-512 here."));

    private byte Hash(KeccakSponge sponge)
    {
        sponge.Reset();
        var whole = _data.Length - (_data.Length % sponge.RateInBytes);
        sponge.Absorb(_data.AsSpan(0, whole));
        sponge.Squeeze(_data.AsSpan(whole), _digest);
        return _digest[0];
    }
}
