using System.Buffers.Binary;
using System.Text;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The SHA3-224 known-answer vectors copied from the project's shared vectors into Data/.</summary>
public static class TestVectors
{
    public static IEnumerable<TestCaseData> Examples() =>
        ReadTsv("examples.tsv").Select(row => new TestCaseData(ExampleMessage(row[0]), row[1]).SetArgDisplayNames(Describe(row[0])));

    public static IEnumerable<TestCaseData> StreamPrefixes() =>
        ReadTsv("sha3-224.tsv").Select(row => new TestCaseData(int.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture), row[1]).SetArgDisplayNames(row[0]));

    /// <summary>The Monte Carlo chain: the seed and the digest after every 1000 iterations.</summary>
    public static (byte[] Seed, IReadOnlyList<string> Checkpoints) MonteCarlo()
    {
        var lines = File.ReadAllLines(DataPath("monte-carlo.tsv"));
        var seed = Convert.FromHexString(lines[0].Split('\t')[1]);
        var checkpoints = lines.Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')[1]).ToList();
        return (seed, checkpoints);
    }

    /// <summary>The first <paramref name="length"/> bytes of the splitmix64 stream (state from 0, outputs little-endian).</summary>
    public static byte[] MessageStream(int length)
    {
        var bytes = new byte[(length + 7) & ~7];
        ulong state = 0;
        for (var i = 0; i < bytes.Length; i += 8)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i), z ^ (z >> 31));
        }

        return bytes[..length];
    }

    public static string DataPath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", name);

    private static IEnumerable<string[]> ReadTsv(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", name))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t'));

    private static byte[] ExampleMessage(string spec)
    {
        if (spec.StartsWith("0x", StringComparison.Ordinal) && spec.Contains('*', StringComparison.Ordinal))
        {
            var parts = spec[2..].Split('*');
            return Enumerable.Repeat(Convert.FromHexString(parts[0])[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        if (spec.Length > 2 && spec[^1] != '*' && spec.Contains('*', StringComparison.Ordinal))
        {
            var parts = spec.Split('*');
            return Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture))));
        }

        return Encoding.ASCII.GetBytes(spec);
    }

    private static string Describe(string spec) => spec.Length == 0 ? "empty" : spec.Length > 20 ? spec[..20] + "…" : spec;
}
