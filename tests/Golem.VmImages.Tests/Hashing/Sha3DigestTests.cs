using System.Text;

namespace Golem.VmImages.Tests.Hashing;

public class Sha3DigestTests
{
    [Test]
    public void ImplicitConversion_DefaultImageHash_IsDefaultDigestWithoutThrowing()
    {
        Sha3Digest digest = default(ImageHash);

        Assert.That(digest.IsDefault, Is.True);
        Assert.That(digest, Is.EqualTo(default(Sha3Digest)));
    }

    [Test]
    public void ImplicitConversion_ImageHash_IsSha3224DigestWithSameBytes()
    {
        Sha3Digest digest = ImageHash.OfEmptyInput;

        Assert.That(digest.BitLength, Is.EqualTo(224));
        Assert.That(digest.Bytes.ToArray(), Is.EqualTo(ImageHash.OfEmptyInput.ToArray()));
        Assert.That(digest.TryGetImageHash(out var back), Is.True);
        Assert.That(back, Is.EqualTo(ImageHash.OfEmptyInput));
    }

    [Test]
    public void Conversions_BothWays_AllocateNothing()
    {
        var hash = ImageHash.Parse("c2b8d4e6a0f1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d0f2a4c6e8b0d1");
        Sha3Digest digest = hash;
        _ = (ImageHash)digest;
        _ = Sha3Digest.Parse("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            digest = hash;
            hash = (ImageHash)digest;
            _ = Sha3Digest.FromBytes(hash.AsSpan());
            _ = Sha3Digest.Parse("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7".AsSpan());
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(hash, Is.EqualTo(ImageHash.Parse("c2b8d4e6a0f1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d0f2a4c6e8b0d1")));
    }

    [Test]
    public void ExplicitConversion_DigestOfOtherLength_ThrowsNamingTheAlgorithm()
    {
        var digest = Sha3Digest.FromBytes(new byte[32]);

        Assert.That(() => (ImageHash)digest, Throws.TypeOf<InvalidCastException>().With.Message.EqualTo("A SHA3-256 digest is not an image hash; expected a SHA3-224 digest."));
        Assert.That((ImageHash)default(Sha3Digest), Is.EqualTo(default(ImageHash)));
    }

    [Test]
    public void FromImageHash_Default_Throws()
    {
        Assert.That(() => Sha3Digest.FromImageHash(default), Throws.ArgumentException.With.Property("ParamName").EqualTo("hash"));
    }

    [Test]
    public void Sha3VerifierConstructor_DefaultImageHash_ThrowsNamingExpected()
    {
        Assert.That(() => new Sha3Verifier(default(ImageHash)), Throws.ArgumentException.With.Property("ParamName").EqualTo("expected"));
    }

    [Test]
    public void FromBytes_UnsupportedLength_ThrowsSayingBits()
    {
        Assert.That(
            () => Sha3Digest.FromBytes(new byte[25]),
            Throws.ArgumentException.With.Message.Contain("Unsupported digest length 200 bits; expected 224, 256, 384 or 512."));
    }

    private static IEnumerable<TestCaseData> EveryLength =>
        from bits in new[] { 224, 256, 384, 512 }
        select new TestCaseData(bits).SetArgDisplayNames($"SHA3-{bits}");

    [TestCaseSource(nameof(EveryLength))]
    public void Parse_HexOfEveryLength_RoundTripsThroughEveryForm(int bits)
    {
        var expected = Sha3Verifier.HashData(bits, "abc"u8);
        var hex = expected.ToString();

        Assert.That(Sha3Digest.Parse(hex), Is.EqualTo(expected));
        Assert.That(Sha3Digest.Parse($" \t{hex.ToUpperInvariant()}\n"), Is.EqualTo(expected));
        Assert.That(Sha3Digest.Parse(Encoding.UTF8.GetBytes($" {hex} ")), Is.EqualTo(expected));
        Assert.That(Sha3Digest.TryParse(hex.AsSpan(), out var fromSpan), Is.True);
        Assert.That(fromSpan, Is.EqualTo(expected));
        Assert.That(Sha3Digest.TryParse(Encoding.UTF8.GetBytes(hex), out var fromUtf8), Is.True);
        Assert.That(fromUtf8, Is.EqualTo(expected));
        Assert.That(ParseGeneric<Sha3Digest>(hex), Is.EqualTo(expected));
        Assert.That(ParseUtf8Generic<Sha3Digest>(Encoding.UTF8.GetBytes(hex)), Is.EqualTo(expected));
        Assert.That(expected.BitLength, Is.EqualTo(bits));
    }

    [TestCase("", "The digest is empty")]
    [TestCase("   ", "The digest is empty")]
    [TestCase("6b4e0342g3", "Invalid character 'g' at index 8 of the digest")]
    [TestCase("  6b4e0342g3", "Invalid character 'g' at index 10 of the digest")]
    [TestCase("0x6b4e", "Invalid character 'x' at index 1 of the digest")]
    [TestCase("6b4", "odd number of hexadecimal characters (3)")]
    [TestCase("6b4e", "Unsupported digest length 16 bits; expected 224, 256, 384 or 512.")]
    public void Parse_NotADigest_ThrowsFormatExceptionSayingWhy(string text, string message)
    {
        Assert.That(() => Sha3Digest.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contain(message));
        Assert.That(() => Sha3Digest.Parse(Encoding.UTF8.GetBytes(text)), Throws.TypeOf<FormatException>().With.Message.Contain(message));
        Assert.That(Sha3Digest.TryParse(text, out var result), Is.False);
        Assert.That(result.IsDefault, Is.True);
        Assert.That(Sha3Digest.TryParse(Encoding.UTF8.GetBytes(text), out _), Is.False);
    }

    [Test]
    public void Parse_Null_ThrowsArgumentNullAndTryParseReturnsFalse()
    {
        Assert.That(() => Sha3Digest.Parse((string)null!), Throws.ArgumentNullException);
        Assert.That(Sha3Digest.TryParse((string?)null, out var result), Is.False);
        Assert.That(result.IsDefault, Is.True);
    }

    [Test]
    public void Parse_NonAsciiUtf8_ReportsTheByteAsInvalid()
    {
        Assert.That(
            () => Sha3Digest.Parse([.. Encoding.UTF8.GetBytes(new string('a', 55)), 0xC3]),
            Throws.TypeOf<FormatException>().With.Message.Contain("at index 55 of the digest"));
    }

    private static T ParseGeneric<T>(string s)
        where T : ISpanParsable<T> => T.Parse(s.AsSpan(), provider: null);

    private static T ParseUtf8Generic<T>(byte[] utf8)
        where T : IUtf8SpanParsable<T> => T.Parse(utf8, provider: null);
}
