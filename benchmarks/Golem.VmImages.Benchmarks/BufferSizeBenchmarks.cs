using BenchmarkDotNet.Attributes;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Benchmarks;

/// <summary>Which read size keeps the overlapped pipeline fastest: the measurement behind <see cref="StreamHashing.BufferSize"/>.</summary>
[MemoryDiagnoser]
public class BufferSizeBenchmarks
{
    private string _path = string.Empty;

    [Params(64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024)]
    public int BufferSize { get; set; }

    [GlobalSetup]
    public void Setup() => _path = BenchmarkFiles.Create(256);

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public async Task<ImageHash> HashFile256MiB()
    {
        using var hasher = new ImageHasher();
        await StreamHashing.AppendFileAsync(hasher.Core, _path, progress: null, BufferSize, CancellationToken.None);
        return hasher.GetHashAndReset();
    }
}
