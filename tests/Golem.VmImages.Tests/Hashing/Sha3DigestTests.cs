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
}
