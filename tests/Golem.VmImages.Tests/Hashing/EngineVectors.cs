using System.Text;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The engine tests' own loader for <c>Data/*.tsv</c>, plus helpers that hash through a forced path.</summary>
internal static class EngineVectors
{
    public static readonly int[] DigestSizes = [28, 32, 48, 64];

    public static IEnumerable<KeccakPath> AllPaths => Enum.GetValues<KeccakPath>();

    public static string DataPath(string fileName) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", fileName);

    /// <summary>Rows of a TSV file, skipping <c>#</c> comments and blank lines.</summary>
    public static IEnumerable<string[]> ReadRows(string fileName) =>
        File.ReadLines(DataPath(fileName))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t'));

    /// <summary>The examples.tsv messages: ASCII text, or <c>c*n</c> / <c>0xHH*n</c> repetitions.</summary>
    public static byte[] ExampleMessage(string text)
    {
        var star = text.LastIndexOf('*');
        if (star > 0 && int.TryParse(text.AsSpan(star + 1), out var count))
        {
            var unit = text[..star];
            var value = unit.StartsWith("0x", StringComparison.Ordinal) ? Convert.ToByte(unit[2..], 16) : (byte)unit[0];
            return Enumerable.Repeat(value, count).ToArray();
        }

        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>The first <paramref name="length"/> bytes of the splitmix64 message stream of the vectors README.</summary>
    public static byte[] SplitMix64Stream(int length)
    {
        var bytes = new byte[(length + 7) & ~7];
        ulong state = 0;
        for (var i = 0; i < bytes.Length; i += 8)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            BitConverter.TryWriteBytes(bytes.AsSpan(i), z ^ (z >> 31));
        }

        return bytes[..length];
    }

    /// <summary>Skips the test, naming the reason, when this machine cannot run <paramref name="path"/>.</summary>
    public static void RequireSupported(KeccakPath path)
    {
        if (!KeccakCore.IsSupported(path))
        {
            Assert.Ignore($"The {path} Keccak path needs an instruction set this machine (or DOTNET_Enable* settings) does not offer.");
        }
    }

    /// <summary>SHA3 of <paramref name="data"/> through <paramref name="path"/>, appended in the given chunk sizes.</summary>
    public static byte[] Hash(KeccakPath path, int digestSize, ReadOnlySpan<byte> data, IEnumerable<int>? chunks = null) =>
        Hash(KeccakSponge.Create(digestSize, path), data, chunks);

    public static byte[] Reference(int digestSize, ReadOnlySpan<byte> data) => Hash(KeccakSponge.CreateReference(digestSize), data);

    public static byte[] Hash(KeccakSponge sponge, ReadOnlySpan<byte> data, IEnumerable<int>? chunks = null)
    {
        var hasher = new Sha3Hasher(sponge);
        if (chunks is null)
        {
            hasher.Append(data);
        }
        else
        {
            foreach (var chunk in chunks)
            {
                var take = Math.Min(chunk, data.Length);
                hasher.Append(data[..take]);
                data = data[take..];
            }

            hasher.Append(data);
        }

        var digest = new byte[sponge.DigestSizeInBytes];
        hasher.GetCurrentHash(digest);
        return digest;
    }

    /// <summary>Random chunk sizes (many tiny, some around the rate, some large) that add up to at least <paramref name="total"/>.</summary>
    public static List<int> RandomChunks(Random random, int total)
    {
        var chunks = new List<int>();
        var sum = 0;
        while (sum < total)
        {
            var chunk = random.Next(4) switch
            {
                0 => random.Next(0, 8),
                1 => random.Next(130, 160),
                2 => random.Next(0, 1024),
                _ => random.Next(0, 20000),
            };
            chunks.Add(chunk);
            sum += chunk;
        }

        return chunks;
    }
}
