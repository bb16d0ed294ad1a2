using System.Security.Cryptography;
using Golem.VmImages.Building;
using Golem.VmImages.Building.Sources;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Building;

/// <summary>The build's verifying stream: the SHA-256 it checks covers every byte, however the reader and the source cut them.</summary>
public sealed class VerifyingReadStreamTests
{
    private static readonly byte[] Data = TestVectors.MessageStream((3 << 20) + 4097);

    [Test]
    public async Task ReadToEnd_MatchingDigestOverManyBuffersAndSmallReads_ReturnsEveryByte()
    {
        using var stream = new VerifyingReadStream(new MemoryStream(Data, writable: false), Digest(Data), Data.Length, "layer 1 of 1", 0, null);

        var read = await ReadInPiecesAsync(stream, 4093);

        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(Data));
            Assert.That(stream.Position, Is.EqualTo(Data.Length));
        });
    }

    [Test]
    public void ReadToEnd_OneByteChangedInTheLastBuffer_ThrowsTheDigestMismatch()
    {
        var changed = Data.ToArray();
        changed[^10] ^= 1;
        using var stream = new VerifyingReadStream(new MemoryStream(changed, writable: false), Digest(Data), Data.Length, "layer 1 of 1", 0, null);

        Assert.That(
            () => ReadInPiecesAsync(stream, 65536),
            Throws.InstanceOf<ImageBuildException>().With.Message.StartsWith($"layer 1 of 1 hashes to {Digest(changed)}; expected {Digest(Data)}"));
    }

    [Test]
    public void Read_OneBytePerReadSourceShorterThanExpected_ThrowsTheSizeMismatch()
    {
        var whole = Data[..100_003];
        var shorter = whole[..^1];
        using var stream = new VerifyingReadStream(new OneBytePerReadStream(shorter), Digest(whole), whole.Length, "layer 1 of 1", 0, null);

        Assert.That(() => stream.CopyTo(Stream.Null), Throws.InstanceOf<ImageBuildException>().With.Message.EqualTo($"layer 1 of 1 is {shorter.Length} bytes long; expected {whole.Length} bytes."));
    }

    private static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static async Task<byte[]> ReadInPiecesAsync(Stream stream, int piece)
    {
        var read = new MemoryStream();
        var buffer = new byte[piece];
        int count;
        while ((count = await stream.ReadAsync(buffer)) > 0)
        {
            read.Write(buffer, 0, count);
        }

        return read.ToArray();
    }
}
