using BenchmarkDotNet.Attributes;

namespace Golem.VmImages.Benchmarks;

/// <summary>
/// Two 1 GiB files at once on a two-core machine: two concurrent <see cref="ImageHasher.HashFileAsync"/> calls
/// (whose reads queue in the thread pool behind the hashing) against a thread per file with
/// <see cref="ImageHasher.HashFile"/>, which is what <c>gvmi hash A B</c> does.
/// </summary>
[MemoryDiagnoser]
public class ParallelFileHashingBenchmarks
{
    private string[] _paths = [];

    [GlobalSetup]
    public void Setup() => _paths = [BenchmarkFiles.Create(1024, seed: 7), BenchmarkFiles.Create(1024, seed: 8)];

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var path in _paths)
        {
            File.Delete(path);
        }
    }

    [Benchmark(Baseline = true)]
    public Task<ImageHash[]> TwoHashFileAsync() => Task.WhenAll(_paths.Select(path => ImageHasher.HashFileAsync(path).AsTask()));

    [Benchmark]
    public Task<ImageHash[]> ThreadPerFileHashFile() => Task.WhenAll(_paths.Select(path =>
        Task.Factory.StartNew(() => ImageHasher.HashFile(path), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
}
