namespace Golem.VmImages.Tests.Packages;

public class ManifestHashTests
{
    private const string Hash224 = "d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376";

    [Test]
    public void Format_ImageHash_IsSha3ColonLowercaseHex()
    {
        Assert.That(ManifestHash.Format(ImageHash.Parse(Hash224.ToUpperInvariant())), Is.EqualTo($"sha3:{Hash224}"));
    }

    [TestCase("sha3:" + Hash224, 224)]
    [TestCase("SHA3:0x" + Hash224, 224)]
    [TestCase(" sha3:" + Hash224 + " ", 224)]
    public void Parse_AcceptedForms_ReturnDigest(string text, int bits)
    {
        var digest = ManifestHash.Parse(text);

        Assert.That(digest.BitLength, Is.EqualTo(bits));
        Assert.That(digest.ToString(), Is.EqualTo(Hash224));
        Assert.That(ManifestHash.TryParse(text, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(digest));
    }

    [Test]
    public void Parse_512BitDigest_Accepted()
    {
        Assert.That(ManifestHash.Parse("sha3:" + new string('f', 128)).BitLength, Is.EqualTo(512));
    }

    [TestCase(Hash224, "must start with 'sha3:'")]
    [TestCase("sha256:" + Hash224, "must start with 'sha3:'")]
    [TestCase("sha3:", "The digest is empty")]
    [TestCase("sha3:abc", "odd number of hexadecimal characters (3)")]
    [TestCase("sha3:abcd", "Unsupported digest length 16 bits")]
    [TestCase("sha3:" + Hash224 + ":http://x/y", "Invalid character ':' at index 61 of the digest")]
    public void Parse_Invalid_Throws(string text, string message)
    {
        Assert.That(() => ManifestHash.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contain(message));
        Assert.That(ManifestHash.TryParse(text, out var digest), Is.False);
        Assert.That(digest.IsDefault, Is.True);
    }

    [Test]
    public void Format_Default_Throws()
    {
        Assert.That(() => ManifestHash.Format(default), Throws.ArgumentException.With.Property("ParamName").EqualTo("digest"));
    }

    [Test]
    public void Format_DefaultImageHash_ThrowsNamingTheDigestArgument()
    {
        // The implicit ImageHash -> Sha3Digest conversion must not throw; the method taking the digest rejects it.
        Assert.That(
            () => ManifestHash.Format(default(ImageHash)),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("digest").And.Message.Contain("default(Sha3Digest)"));
    }
}
