namespace Golem.VmImages.Tests.Hashing;

/// <summary>Every known-answer vector through every public entry point of <see cref="ImageHasher"/>.</summary>
public class ImageHasherConformanceTests
{
    private const int Rate = 144;

    private static readonly Lazy<byte[]> LongestStream = new(() => TestVectors.MessageStream(4_198_400));

    public static IEnumerable<TestCaseData> ExampleCases() => Combine(TestVectors.Examples());

    public static IEnumerable<TestCaseData> StreamCases() => Combine(TestVectors.StreamPrefixes());

    [TestCaseSource(nameof(ExampleCases))]
    public async Task Examples_EveryEntryPoint_MatchesFips202(HashEntryPoint entryPoint, byte[] message, string expected)
    {
        Assert.That((await ComputeAsync(entryPoint, message)).ToString(), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(StreamCases))]
    public async Task MessageStreamPrefix_EveryEntryPoint_MatchesOpenSsl(HashEntryPoint entryPoint, int length, string expected)
    {
        var message = LongestStream.Value.AsMemory(0, length).ToArray();
        Assert.That((await ComputeAsync(entryPoint, message)).ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void MonteCarlo_ChainOf100000_MatchesEveryCheckpoint()
    {
        var (seed, checkpoints) = TestVectors.MonteCarlo();
        Span<byte> md = stackalloc byte[ImageHasher.HashSizeInBytes];
        seed.CopyTo(md);
        var actual = new List<string>();
        for (var checkpoint = 0; checkpoint < checkpoints.Count; checkpoint++)
        {
            for (var i = 0; i < 1000; i++)
            {
                ImageHasher.HashData(md, md);
            }

            actual.Add(Convert.ToHexStringLower(md));
        }

        Assert.That(actual, Is.EqualTo(checkpoints));
    }

    [Test]
    public void FirstStreamBytes_MatchTheVectorsReadme()
    {
        Assert.That(Convert.ToHexStringLower(TestVectors.MessageStream(16)), Is.EqualTo("afcd1d7b39a820e2f465b9a16a9e786e"));
    }

    private static IEnumerable<TestCaseData> Combine(IEnumerable<TestCaseData> vectors)
    {
        var list = vectors.ToList();
        foreach (var entryPoint in Enum.GetValues<HashEntryPoint>())
        {
            foreach (var vector in list)
            {
                yield return new TestCaseData([entryPoint, .. vector.Arguments])
                    .SetArgDisplayNames(entryPoint.ToString(), vector.Arguments[0] is byte[] b ? $"{b.Length} bytes" : $"{vector.Arguments[0]} bytes");
            }
        }
    }

    internal static async Task<ImageHash> ComputeAsync(HashEntryPoint entryPoint, byte[] message)
    {
        switch (entryPoint)
        {
            case HashEntryPoint.SpanOneShot:
                return ImageHasher.HashData(message);

            case HashEntryPoint.SpanIntoDestination:
            {
                var destination = new byte[ImageHasher.HashSizeInBytes];
                Assert.That(ImageHasher.HashData(message, destination), Is.EqualTo(ImageHasher.HashSizeInBytes));
                return ImageHash.FromBytes(destination);
            }

            case HashEntryPoint.TryHashDataUnalignedDestination:
            {
                var buffer = new byte[ImageHasher.HashSizeInBytes + 3];
                Assert.That(ImageHasher.TryHashData(message, buffer.AsSpan(1, ImageHasher.HashSizeInBytes - 1), out var none), Is.False);
                Assert.That((none, buffer.All(b => b == 0)), Is.EqualTo((0, true)), "a too-short destination is left untouched");
                Assert.That(ImageHasher.TryHashData(message, buffer.AsSpan(1), out var written), Is.True);
                Assert.That((written, buffer[0], buffer[^2], buffer[^1]), Is.EqualTo((ImageHasher.HashSizeInBytes, (byte)0, (byte)0, (byte)0)));
                return ImageHash.FromBytes(buffer.AsSpan(1, ImageHasher.HashSizeInBytes));
            }

            case HashEntryPoint.IncrementalRandomChunks:
            {
                using var hasher = new ImageHasher();
                var random = new Random(message.Length);
                for (var offset = 0; offset < message.Length;)
                {
                    var chunk = random.Next(4) == 0 ? 0 : Math.Min(message.Length - offset, random.Next(1, 3 * Rate));
                    hasher.Append(message.AsSpan(offset, chunk));
                    offset += chunk;
                }

                hasher.Append([]);
                Assert.That(hasher.BytesHashed, Is.EqualTo(message.Length));
                return hasher.GetHashAndReset();
            }

            case HashEntryPoint.IncrementalBlockBoundaries:
            {
                using var hasher = new ImageHasher();
                int[] pattern = [Rate - 1, 2, Rate, Rate + 1, 1, (2 * Rate) - 2];
                for (int offset = 0, i = 0; offset < message.Length; i++)
                {
                    var chunk = Math.Min(message.Length - offset, pattern[i % pattern.Length]);
                    hasher.Append(message.AsSpan(offset, chunk));
                    offset += chunk;
                }

                return hasher.GetHashAndReset();
            }

            case HashEntryPoint.CurrentHashMidwayThenContinue:
            {
                using var hasher = new ImageHasher();
                var half = message.Length / 2;
                hasher.Append(message.AsSpan(0, half));
                Assert.That(hasher.GetCurrentHash(), Is.EqualTo(ImageHasher.HashData(message.AsSpan(0, half))));
                hasher.Append(message.AsSpan(half));
                var current = hasher.GetCurrentHash();
                Assert.That(hasher.GetCurrentHash(), Is.EqualTo(current), "GetCurrentHash must not disturb the state");
                return hasher.GetHashAndReset();
            }

            case HashEntryPoint.TryGetHashAndReset:
            {
                using var hasher = new ImageHasher();
                hasher.Append([0xFF, 0xFE]);
                hasher.Reset();
                hasher.Append(message);
                Assert.That(hasher.TryGetHashAndReset(new byte[ImageHasher.HashSizeInBytes - 1], out var none), Is.False);
                Assert.That((none, hasher.BytesHashed), Is.EqualTo((0, (long)message.Length)), "a failed TryGetHashAndReset keeps the state");
                var destination = new byte[ImageHasher.HashSizeInBytes];
                Assert.That(hasher.TryGetHashAndReset(destination, out var written), Is.True);
                Assert.That((written, hasher.BytesHashed), Is.EqualTo((ImageHasher.HashSizeInBytes, 0L)));
                Assert.That(hasher.GetCurrentHash(), Is.EqualTo(ImageHash.OfEmptyInput), "the hasher is reset");
                return ImageHash.FromBytes(destination);
            }

            case HashEntryPoint.Stream:
                return ImageHasher.HashData(new MemoryStream(message, writable: false));

            case HashEntryPoint.StreamAsync:
                return await ImageHasher.HashDataAsync(new MemoryStream(message, writable: false));

            case HashEntryPoint.StreamAsyncOneBytePerRead:
                return await ImageHasher.HashDataAsync(new OneBytePerReadStream(message));

            case HashEntryPoint.File or HashEntryPoint.FileSynchronous:
            {
                var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"vector-{Guid.NewGuid():N}.bin");
                await File.WriteAllBytesAsync(path, message);
                try
                {
                    return entryPoint == HashEntryPoint.File ? await ImageHasher.HashFileAsync(path) : ImageHasher.HashFile(path);
                }
                finally
                {
                    File.Delete(path);
                }
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(entryPoint), entryPoint, null);
        }
    }
}
