using System.Numerics;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>Known-answer vectors through every forced engine path, and the engines' internal state.</summary>
internal sealed class KeccakEngineTests
{
    private static IEnumerable<KeccakPath> Paths => EngineVectors.AllPaths;

    private static IEnumerable<TestCaseData> StreamVectorCases =>
        Paths.Select(path => new TestCaseData(path).SetArgDisplayNames(path.ToString()));

    [TestCaseSource(nameof(Paths))]
    public void Sha3_224_ExampleMessages_MatchOpenSsl(KeccakPath path)
    {
        EngineVectors.RequireSupported(path);
        var rows = TestVectors.Examples().Select(c => (Message: (byte[])c.Arguments[0]!, Digest: (string)c.Arguments[1]!)).ToList();
        Assert.That(rows, Has.Count.GreaterThanOrEqualTo(6));
        Assert.Multiple(() =>
        {
            foreach (var (message, digest) in rows)
            {
                var actual = Convert.ToHexStringLower(EngineVectors.Hash(path, 28, message));
                Assert.That(actual, Is.EqualTo(digest), $"message of {message.Length} bytes");
            }
        });
    }

    [TestCaseSource(nameof(StreamVectorCases))]
    public void Sha3_224_SplitMix64Prefixes_MatchOpenSsl(KeccakPath path)
    {
        EngineVectors.RequireSupported(path);
        var rows = TestVectors.StreamPrefixes().Select(c => (Length: (int)c.Arguments[0]!, Digest: (string)c.Arguments[1]!)).ToList();
        Assert.That(rows, Has.Count.GreaterThan(400));
        var stream = TestVectors.MessageStream(rows.Max(row => row.Length));
        Assert.Multiple(() =>
        {
            foreach (var (length, digest) in rows)
            {
                var actual = Convert.ToHexStringLower(EngineVectors.Hash(path, 28, stream.AsSpan(0, length)));
                Assert.That(actual, Is.EqualTo(digest), $"length {length}");
            }
        });
    }

    [TestCaseSource(nameof(Paths))]
    public void Sha3_224_MonteCarloChain_MatchesOpenSsl(KeccakPath path)
    {
        EngineVectors.RequireSupported(path);
        var (md, checkpoints) = TestVectors.MonteCarlo();
        Assert.That(checkpoints, Has.Count.EqualTo(100));

        var next = new byte[28];
        for (var checkpoint = 0; checkpoint < checkpoints.Count; checkpoint++)
        {
            for (var i = 0; i < 1000; i++)
            {
                Sha3Hasher.HashData(md, next, path);
                (md, next) = (next, md);
            }

            Assert.That(Convert.ToHexStringLower(md), Is.EqualTo(checkpoints[checkpoint]), $"checkpoint {checkpoint}");
        }
    }

    [TestCaseSource(nameof(Paths))]
    public void Absorb_EveryBlockBoundary_StateEqualsTextbookPermutation(KeccakPath path)
    {
        EngineVectors.RequireSupported(path);
        var random = new Random(20260224);
        foreach (var digestSize in EngineVectors.DigestSizes)
        {
            var hasher = new Sha3Hasher(digestSize, path);
            var rate = hasher.RateInBytes;
            var expected = new ulong[25];
            var actual = new ulong[25];
            for (var block = 0; block < 40; block++)
            {
                var data = new byte[rate];
                random.NextBytes(data);
                hasher.Append(data);
                TextbookKeccak.Absorb(expected, data);
                hasher.CopyStateTo(actual);
                Assert.That(actual, Is.EqualTo(expected), $"SHA3-{digestSize * 8}, after block {block}");
            }
        }
    }

    [Test]
    public void Absorb_SameInputOnEverySupportedPath_StatesIdenticalAtEveryBlockBoundary()
    {
        var paths = KeccakCore.SupportedPaths;
        if (paths.Count < 2)
        {
            Assert.Ignore("Only the scalar Keccak path runs on this machine, so there is no second path to compare it with.");
        }

        var random = new Random(77);
        foreach (var digestSize in EngineVectors.DigestSizes)
        {
            var hashers = paths.Select(path => new Sha3Hasher(digestSize, path)).ToList();
            var rate = hashers[0].RateInBytes;
            var data = new byte[rate * 300];
            random.NextBytes(data);
            var first = new ulong[25];
            var other = new ulong[25];
            for (var offset = 0; offset < data.Length;)
            {
                // Absorb one to five blocks per call so that multi-block calls are compared too.
                var blocks = Math.Min(random.Next(1, 6), (data.Length - offset) / rate);
                foreach (var hasher in hashers)
                {
                    hasher.Append(data.AsSpan(offset, blocks * rate));
                }

                offset += blocks * rate;
                hashers[0].CopyStateTo(first);
                for (var i = 1; i < hashers.Count; i++)
                {
                    hashers[i].CopyStateTo(other);
                    Assert.That(other, Is.EqualTo(first), $"{paths[i]} vs {paths[0]}, SHA3-{digestSize * 8}, offset {offset}");
                }
            }

            Assert.That(first, Has.Some.Not.EqualTo(0UL));
        }
    }

    [TestCaseSource(nameof(Paths))]
    public void GetCurrentHash_LeavesStateUnchanged_AndResetEmpties(KeccakPath path)
    {
        EngineVectors.RequireSupported(path);
        var hasher = new Sha3Hasher(28, path);
        var message = TestVectors.MessageStream(147);
        hasher.Append(message);
        var first = new byte[28];
        var second = new byte[28];
        hasher.GetCurrentHash(first);
        hasher.GetCurrentHash(second);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(first, Is.EqualTo(EngineVectors.Reference(28, message)));
        Assert.That(hasher.BytesHashed, Is.EqualTo(147));

        hasher.Reset();
        hasher.GetCurrentHash(first);
        Assert.That(Convert.ToHexStringLower(first), Is.EqualTo(ImageHash.OfEmptyInput.ToString()));
        Assert.That(hasher.BytesHashed, Is.Zero);
    }

    [Test]
    public void Create_FastestPath_IsCalibratedWhenAvx512IsSupported()
    {
        // The runner may force a kernel for the whole process, as compare.sh does; then that one is the default.
        var expected = KeccakCore.ParseForcedPath(Environment.GetEnvironmentVariable(KeccakCore.KernelVariable))
            ?? (KeccakCore.IsSupported(KeccakPath.Avx512) ? KeccakPath.Calibrated : KeccakPath.Scalar);
        Assert.That(KeccakCore.FastestPath, Is.EqualTo(expected));
        Assert.That(new Sha3Hasher(28).Path, Is.EqualTo(expected));
        Assert.That(Sha3Hasher.Create(512).Path, Is.EqualTo(expected));
        Assert.That(new ImageHasher().Core.Path, Is.EqualTo(expected));
        Assert.That(KeccakCore.SupportedPaths, Does.Contain(KeccakPath.Scalar));
    }

    [Test]
    public void Create_UnsupportedPath_ThrowsPlatformNotSupported()
    {
        var unsupported = EngineVectors.AllPaths.Where(path => !KeccakCore.IsSupported(path)).Append((KeccakPath)99).First();
        Assert.That(
            () => new Sha3Hasher(28, unsupported),
            Throws.TypeOf<PlatformNotSupportedException>().With.Message.Contains("is not supported on this machine"));
    }

    /// <summary>Keccak-f[1600] written straight from FIPS 202 section 3.2, loops and all: slow and obviously right.</summary>
    private static class TextbookKeccak
    {
        public static void Absorb(ulong[] state, ReadOnlySpan<byte> block)
        {
            for (var i = 0; i < block.Length / 8; i++)
            {
                state[i] ^= BitConverter.ToUInt64(block.Slice(i * 8, 8));
            }

            Permute(state);
        }

        private static void Permute(ulong[] a)
        {
            var roundConstants = new ulong[24];
            byte lfsr = 1;
            for (var round = 0; round < 24; round++)
            {
                for (var j = 0; j < 7; j++)
                {
                    if ((lfsr & 1) != 0)
                    {
                        roundConstants[round] |= 1UL << ((1 << j) - 1);
                    }

                    lfsr = (byte)((lfsr << 1) ^ ((lfsr & 0x80) != 0 ? 0x71 : 0));
                }
            }

            var rho = new int[25];
            int x = 1, y = 0;
            for (var t = 0; t < 24; t++)
            {
                rho[x + (5 * y)] = (t + 1) * (t + 2) / 2 % 64;
                (x, y) = (y, ((2 * x) + (3 * y)) % 5);
            }

            for (var round = 0; round < 24; round++)
            {
                var c = new ulong[5];
                for (x = 0; x < 5; x++)
                {
                    c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
                }

                for (x = 0; x < 5; x++)
                {
                    var d = c[(x + 4) % 5] ^ BitOperations.RotateLeft(c[(x + 1) % 5], 1);
                    for (y = 0; y < 5; y++)
                    {
                        a[x + (5 * y)] ^= d;
                    }
                }

                var b = new ulong[25];
                for (x = 0; x < 5; x++)
                {
                    for (y = 0; y < 5; y++)
                    {
                        b[y + (5 * (((2 * x) + (3 * y)) % 5))] = BitOperations.RotateLeft(a[x + (5 * y)], rho[x + (5 * y)]);
                    }
                }

                for (x = 0; x < 5; x++)
                {
                    for (y = 0; y < 5; y++)
                    {
                        a[x + (5 * y)] = b[x + (5 * y)] ^ (~b[((x + 1) % 5) + (5 * y)] & b[((x + 2) % 5) + (5 * y)]);
                    }
                }

                a[0] ^= roundConstants[round];
            }
        }
    }
}
