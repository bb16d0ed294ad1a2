using BenchmarkDotNet.Attributes;
using BcSha3Digest = Org.BouncyCastle.Crypto.Digests.Sha3Digest;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// <see cref="ImageHasher.HashFileAsync"/> and <see cref="ImageHasher.HashFile"/> on a generated 1 GiB file
/// (page-cache warm after the first run), against BouncyCastle fed by the same kind of read loop as <c>HashFile</c>.
/// </summary>
[MemoryDiagnoser]
public class FileHashingBenchmarks
{
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup() => _path = BenchmarkFiles.Create(1024);

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark(Baseline = true)]
    public byte BouncyCastle1GiB()
    {
        var digest = new BcSha3Digest(224);
        var buffer = new byte[1 << 20];
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            digest.BlockUpdate(buffer.AsSpan(0, read));
        }

        var hash = new byte[28];
        digest.DoFinal(hash);
        return hash[0];
    }

    [Benchmark]
    public async Task<ImageHash> HashFileAsync1GiB() => await ImageHasher.HashFileAsync(_path);

    [Benchmark]
    public ImageHash HashFile1GiB() => ImageHasher.HashFile(_path);
}
