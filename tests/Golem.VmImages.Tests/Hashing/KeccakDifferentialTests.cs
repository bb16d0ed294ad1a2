using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>Every engine path against BouncyCastle's <c>Sha3Digest</c>, for all four SHA3 lengths.</summary>
internal sealed class KeccakDifferentialTests
{
    private static IEnumerable<TestCaseData> PathAndDigestCases =>
        from path in EngineVectors.AllPaths
        from size in EngineVectors.DigestSizes
        select new TestCaseData(path, size).SetArgDisplayNames(path.ToString(), $"SHA3-{size * 8}");

    [TestCaseSource(nameof(PathAndDigestCases))]
    public void AppendAndHashData_RandomLengthsUpTo64KiB_MatchBouncyCastle(KeccakPath path, int digestSize)
    {
        EngineVectors.RequireSupported(path);
        var random = new Random(1000 + digestSize);
        var data = new byte[64 * 1024];
        for (var i = 0; i < 1000; i++)
        {
            // Half the cases are short (most bugs live around the first blocks), half anywhere up to 64 KiB.
            var length = i % 2 == 0 ? random.Next(0, 1024) : random.Next(0, data.Length + 1);
            var message = data.AsSpan(0, length);
            random.NextBytes(message);
            var expected = EngineVectors.Reference(digestSize, message);
            Assert.That(EngineVectors.Hash(path, digestSize, message), Is.EqualTo(expected), $"case {i}, length {length}");
            var oneShot = new byte[digestSize];
            Sha3Hasher.HashData(message, oneShot, path);
            Assert.That(oneShot, Is.EqualTo(expected), $"case {i}, length {length}, one shot");
        }
    }

    [TestCaseSource(nameof(PathAndDigestCases))]
    public void Append_RandomChunkings_MatchesBouncyCastle(KeccakPath path, int digestSize)
    {
        EngineVectors.RequireSupported(path);
        var random = new Random(2000 + digestSize);
        for (var i = 0; i < 500; i++)
        {
            var message = new byte[random.Next(0, 16 * 1024)];
            random.NextBytes(message);
            var chunks = EngineVectors.RandomChunks(random, message.Length);
            var expected = EngineVectors.Reference(digestSize, message);
            Assert.That(EngineVectors.Hash(path, digestSize, message, chunks), Is.EqualTo(expected), $"case {i}, length {message.Length}");
        }
    }

    [TestCaseSource(nameof(PathAndDigestCases))]
    public void GetCurrentHash_AfterEveryChunk_MatchesBouncyCastleOfPrefix(KeccakPath path, int digestSize)
    {
        EngineVectors.RequireSupported(path);
        var random = new Random(3000 + digestSize);
        var message = new byte[6000];
        random.NextBytes(message);
        var hasher = new Sha3Hasher(digestSize, path);
        var digest = new byte[digestSize];
        var offset = 0;
        while (offset < message.Length)
        {
            var take = Math.Min(random.Next(0, 300), message.Length - offset);
            hasher.Append(message.AsSpan(offset, take));
            offset += take;
            hasher.GetCurrentHash(digest);
            Assert.That(digest, Is.EqualTo(EngineVectors.Reference(digestSize, message.AsSpan(0, offset))), $"prefix {offset}");
        }
    }

    [TestCaseSource(nameof(PathAndDigestCases))]
    public void Append_MultiMebibyteInputs_MatchesBouncyCastle(KeccakPath path, int digestSize)
    {
        EngineVectors.RequireSupported(path);
        var random = new Random(4000 + digestSize);
        foreach (var length in new[] { (3 << 20) + 17, (5 << 20) - 1 })
        {
            var message = new byte[length];
            random.NextBytes(message);
            var expected = EngineVectors.Reference(digestSize, message);
            Assert.That(EngineVectors.Hash(path, digestSize, message), Is.EqualTo(expected), $"one shot, {length} bytes");
            Assert.That(
                EngineVectors.Hash(path, digestSize, message, EngineVectors.RandomChunks(random, length)),
                Is.EqualTo(expected),
                $"random chunks, {length} bytes");
        }
    }

    [Test]
    [Category("Slow")]
    public void Append_256MiBInput_EveryPathMatchesBouncyCastle()
    {
        var message = new byte[256 << 20];
        new Random(5000).NextBytes(message);
        var expected = EngineVectors.Reference(28, message);
        foreach (var path in KeccakCore.SupportedPaths)
        {
            Assert.That(EngineVectors.Hash(path, 28, message), Is.EqualTo(expected), path.ToString());
        }
    }
}
