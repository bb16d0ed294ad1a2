using BenchmarkDotNet.Attributes;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// <see cref="ImageHasher.HashFileAsync"/> on a generated 1 GiB file (page-cache warm after the first run),
/// against BouncyCastle driven by the same overlapped pipeline.
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
}

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

internal static class BenchmarkFiles
{
    /// <summary>Writes <paramref name="mebibytes"/> MiB of fixed-seed random data to a new temporary file.</summary>
    public static string Create(int mebibytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gvmi-bench-{mebibytes}MiB-{Environment.ProcessId}.bin");
        var random = new Random(7);
        var chunk = new byte[1 << 20];
        using var file = File.Create(path);
        for (var i = 0; i < mebibytes; i++)
        {
            random.NextBytes(chunk);
            file.Write(chunk);
        }

        return path;
    }
}
