namespace Golem.VmImages.Benchmarks;

internal static class BenchmarkFiles
{
    /// <summary>Writes <paramref name="mebibytes"/> MiB of fixed-seed random data to a new temporary file.</summary>
    public static string Create(int mebibytes, int seed = 7)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gvmi-bench-{mebibytes}MiB-{seed}-{Environment.ProcessId}.bin");
        var random = new Random(seed);
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
