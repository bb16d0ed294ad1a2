using Golem.VmImages.Hashing;
using BcSha3Digest = Org.BouncyCastle.Crypto.Digests.Sha3Digest;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>Helpers that hash through a forced engine path (the vectors themselves come from <see cref="TestVectors"/>).</summary>
internal static class EngineVectors
{
    public static readonly int[] DigestSizes = [28, 32, 48, 64];

    public static IEnumerable<KeccakPath> AllPaths => Enum.GetValues<KeccakPath>();

    /// <summary>Skips the test, naming the reason, when this machine cannot run <paramref name="path"/>.</summary>
    public static void RequireSupported(KeccakPath path)
    {
        if (!KeccakCore.IsSupported(path))
        {
            Assert.Ignore($"The {path} Keccak path needs an instruction set this machine (or DOTNET_Enable* settings) does not offer.");
        }
    }

    /// <summary>SHA3 of <paramref name="data"/> through <paramref name="path"/>, appended in the given chunk sizes.</summary>
    public static byte[] Hash(KeccakPath path, int digestSize, ReadOnlySpan<byte> data, IEnumerable<int>? chunks = null)
    {
        var hasher = new Sha3Hasher(digestSize, path);
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

        var digest = new byte[digestSize];
        hasher.GetCurrentHash(digest);
        return digest;
    }

    /// <summary>SHA3 of <paramref name="data"/> by the reference implementation, BouncyCastle's <c>Sha3Digest</c>.</summary>
    public static byte[] Reference(int digestSize, ReadOnlySpan<byte> data)
    {
        var reference = new BcSha3Digest(digestSize * 8);
        reference.BlockUpdate(data);
        var digest = new byte[digestSize];
        reference.DoFinal(digest);
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
