using BenchmarkDotNet.Attributes;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// <see cref="ImageHasher.HashFileAsync"/> and <see cref="ImageHasher.HashFile"/> on a generated 1 GiB file
/// (page-cache warm after the first run), against BouncyCastle driven by the same overlapped pipeline.
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
    public async Task<ImageHash> BouncyCastle1GiB()
    {
        using var hasher = new ImageHasher(KeccakSponge.CreateReference(ImageHasher.HashSizeInBytes));
        await StreamHashing.AppendFileAsync(hasher.Core, _path, progress: null, CancellationToken.None);
        return hasher.GetHashAndReset();
    }

    [Benchmark]
    public async Task<ImageHash> HashFileAsync1GiB() => await ImageHasher.HashFileAsync(_path);

    [Benchmark]
    public ImageHash HashFile1GiB() => ImageHasher.HashFile(_path);
}
