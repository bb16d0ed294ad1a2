using System.Security.Cryptography;

namespace Golem.VmImages.Tests.Hashing;

public class Sha3VerifierTests
{
    // FIPS 202 digests of "abc" (NIST example values).
    private static readonly object[] AbcDigests =
    [
        new object[] { 224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf" },
        new object[] { 256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532" },
        new object[] { 384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25" },
        new object[] { 512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0" },
    ];

    [TestCaseSource(nameof(AbcDigests))]
    public void IsMatch_AbcInChunks_MatchesNistDigest(int bits, string hex)
    {
        var expected = Sha3Digest.FromBytes(Convert.FromHexString(hex));
        var verifier = new Sha3Verifier(expected);
        verifier.Append("a"u8);
        verifier.Append("bc"u8);

        Assert.That(verifier.IsMatch(out var actual), Is.True);
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(actual.BitLength, Is.EqualTo(bits));
        Assert.That(verifier.BytesHashed, Is.EqualTo(3));
        Assert.That(Sha3Verifier.Verify(expected, "abc"u8), Is.True);
        Assert.That(Sha3Verifier.HashData(bits, "abc"u8), Is.EqualTo(expected));
    }

    [TestCase(256)]
    [TestCase(384)]
    [TestCase(512)]
    public void HashData_LargeRandomInput_MatchesBclWhereSupported(int bits)
    {
        var data = new byte[100_000];
        new Random(42).NextBytes(data);
        byte[]? bcl = bits switch
        {
            256 when SHA3_256.IsSupported => SHA3_256.HashData(data),
            384 when SHA3_384.IsSupported => SHA3_384.HashData(data),
            512 when SHA3_512.IsSupported => SHA3_512.HashData(data),
            _ => null,
        };
        if (bcl is null)
        {
            Assert.Ignore($"SHA3-{bits} is not supported by the platform.");
        }

        Assert.That(Sha3Verifier.HashData(bits, data).Bytes.ToArray(), Is.EqualTo(bcl));
    }

    [Test]
    public void IsMatch_DifferentData_FalseWithActualDigest()
    {
        var verifier = new Sha3Verifier(ImageHash.OfEmptyInput);

        Assert.That(verifier.IsMatch(), Is.True);
        verifier.Append("x"u8);
        Assert.That(verifier.IsMatch(out var actual), Is.False);
        Assert.That(actual, Is.EqualTo((Sha3Digest)ImageHasher.HashData("x"u8)));
        verifier.Reset();
        Assert.That(verifier.IsMatch(), Is.True);
        Assert.That(verifier.BytesHashed, Is.Zero);
    }

    [Test]
    public void Constructor_Default_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new Sha3Verifier(default));
    }

    [Test]
    public void HashData_UnsupportedLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha3Verifier.HashData(200, default));
    }
}
