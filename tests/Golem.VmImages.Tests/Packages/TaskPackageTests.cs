namespace Golem.VmImages.Tests.Packages;

public class TaskPackageTests
{
    private const string Hash224 = "d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376";
    private const string Url = "http://girepo.dev.golem.network:8000/docker-golem-hello-world-latest-779758b432.gvmi";

    private static readonly string Hash256 = new('a', 64);
    private static readonly string Hash384 = new('b', 96);
    private static readonly string Hash512 = new('c', 128);

    // Every form the provider's pattern (case-insensitive "hash:(//)?sha3:(0x)?hex:url") accepts.
    private static readonly object[] AcceptedForms =
    [
        new object[] { $"hash:sha3:{Hash224}:{Url}", 224, Hash224 },
        new object[] { $"hash://sha3:{Hash224}:{Url}", 224, Hash224 },
        new object[] { $"hash:sha3:0x{Hash224}:{Url}", 224, Hash224 },
        new object[] { $"hash:sha3:0X{Hash224.ToUpperInvariant()}:{Url}", 224, Hash224 },
        new object[] { $"HASH:SHA3:{Hash224.ToUpperInvariant()}:{Url}", 224, Hash224 },
        new object[] { $"Hash://Sha3:{Hash224}:{Url}", 224, Hash224 },
        new object[] { $"  hash:sha3:{Hash224}:{Url}\n", 224, Hash224 },
        new object[] { $"hash:sha3:{Hash256}:{Url}", 256, Hash256 },
        new object[] { $"hash:sha3:{Hash384}:{Url}", 384, Hash384 },
        new object[] { $"hash:sha3:{Hash512}:{Url}", 512, Hash512 },
    ];

    [TestCaseSource(nameof(AcceptedForms))]
    public void Parse_ProviderForm_Accepted(string text, int bits, string hex)
    {
        var package = TaskPackage.Parse(text);

        Assert.That(package.BitLength, Is.EqualTo(bits));
        Assert.That(package.AlgorithmName, Is.EqualTo($"SHA3-{bits}"));
        Assert.That(package.Digest.ToString(), Is.EqualTo(hex));
        Assert.That(package.Url.OriginalString, Is.EqualTo(Url));
        Assert.That(package.ToString(), Is.EqualTo($"hash:sha3:{hex}:{Url}"));
        Assert.That(TaskPackage.TryParse(text, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(package));
    }

    [Test]
    public void ImageHash_224BitDigest_IsImageHash()
    {
        Assert.That(TaskPackage.Parse($"hash:sha3:{Hash224}:{Url}").ImageHash, Is.EqualTo(ImageHash.Parse(Hash224)));
    }

    [Test]
    public void ImageHash_256BitDigest_IsNull()
    {
        Assert.That(TaskPackage.Parse($"hash:sha3:{Hash256}:{Url}").ImageHash, Is.Null);
    }

    [Test]
    public void Parse_UrlWithColonsAndQuery_KeepsWholeUrl()
    {
        var url = "https://user@example.org:8443/path:with:colons/image.gvmi?a=b:c";

        Assert.That(TaskPackage.Parse($"hash:sha3:{Hash224}:{url}").Url.OriginalString, Is.EqualTo(url));
    }

    // Each rejection with the key part of its message.
    private static readonly object[] Rejections =
    [
        new object[] { "", "must start with 'hash:'" },
        new object[] { $"xhash:sha3:{Hash224}:{Url}", "must start with 'hash:' but starts with 'xhash:sha3:d646d...'" },
        new object[] { $"sha3:{Hash224}:{Url}", "must start with 'hash:'" },
        new object[] { $"hash:sha256:{Hash224}:{Url}", "Unsupported digest algorithm 'sha256'; expected 'sha3'." },
        new object[] { $"hash:md5:{Hash224}:{Url}", "Unsupported digest algorithm 'md5'" },
        new object[] { "hash:sha3", "no ':' after the digest algorithm" },
        new object[] { $"hash:sha3:{Hash224}", "no ':' after the digest" },
        new object[] { $"hash:sha3::{Url}", "The digest is empty" },
        new object[] { $"hash:sha3:0x:{Url}", "The digest is empty" },
        new object[] { $"hash:sha3:{new string('a', 50)}:{Url}", "Unsupported digest length 200 bits; expected 224, 256, 384 or 512." },
        new object[] { $"hash:sha3:{Hash224}00:{Url}", "Unsupported digest length 232 bits" },
        new object[] { $"hash:sha3:{Hash224}0:{Url}", "odd number of hexadecimal characters (57)" },
        new object[] { $"hash:sha3:{Hash224[..10]}g{Hash224[11..]}:{Url}", "Invalid character 'g' at index 20 of the digest" },
        new object[] { $"hash:sha3:{Hash224} :{Url}", "Invalid character U+0020 at index 66 of the digest" },
        new object[] { $"hash:sha3:{Hash224}:", "is not an absolute URL" },
        new object[] { $"hash:sha3:{Hash224}:images/app.gvmi", "The URL 'images/app.gvmi' of a task package is not an absolute URL" },
        // .NET treats a rooted path as an absolute file URI on Unix; the provider's URL parser rejects it: no scheme.
        new object[] { $"hash:sha3:{Hash224}:/srv/images/app.gvmi", "The URL '/srv/images/app.gvmi' of a task package is not an absolute URL" },
        new object[] { $"hash:sha3:{Hash224}://host/app.gvmi", "The URL '//host/app.gvmi' of a task package is not an absolute URL" },
    ];

    [TestCaseSource(nameof(Rejections))]
    public void Parse_Invalid_ThrowsFormatExceptionSayingWhy(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => TaskPackage.Parse(text));
        Assert.That(ex.Message, Does.Contain(message));
        Assert.That(TaskPackage.TryParse(text, out var result), Is.False);
        Assert.That(result, Is.Null);
    }

    [Test]
    public void Parse_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => TaskPackage.Parse((string)null!));
        Assert.That(TaskPackage.TryParse((string?)null, out _), Is.False);
    }

    [Test]
    public void Constructor_ImageHash_FormatsLikeYapapi()
    {
        var package = new TaskPackage(ImageHash.Parse(Hash224), new Uri(Url));

        Assert.That(package.ToString(), Is.EqualTo($"hash:sha3:{Hash224}:{Url}"));
    }

    [Test]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => _ = new TaskPackage(default(ImageHash), new Uri(Url)));
        Assert.Throws<ArgumentException>(() => _ = new TaskPackage(default(Sha3Digest), new Uri(Url)));
        Assert.Throws<ArgumentNullException>(() => _ = new TaskPackage(ImageHash.Parse(Hash224), null!));
        Assert.Throws<ArgumentException>(() => _ = new TaskPackage(ImageHash.Parse(Hash224), new Uri("a/b", UriKind.Relative)));
    }

    [Test]
    public void Constructor_RootedPathUri_ThrowsNotAbsolute()
    {
        // new Uri("/srv/app.gvmi") is an absolute file URI on Unix, but "hash:sha3:<hex>:/srv/app.gvmi" names no URL.
        if (!Uri.TryCreate("/srv/app.gvmi", UriKind.Absolute, out var rooted))
        {
            Assert.Ignore("This platform does not read a rooted path as an absolute URI.");
        }

        Assert.That(
            () => new TaskPackage(ImageHash.Parse(Hash224), rooted),
            Throws.ArgumentException.With.Message.Contain("The URL '/srv/app.gvmi' of a task package is not an absolute URL"));
        Assert.That(
            () => new ImagePackage(ImageHash.Parse(Hash224), rooted, allowFileUrl: true),
            Throws.ArgumentException.With.Message.Contain("The image URL '/srv/app.gvmi' is not an absolute URL"));
    }

    [Test]
    public void Equals_SameStringDifferentCase_EqualAfterParse()
    {
        Assert.That(TaskPackage.Parse($"HASH://SHA3:0x{Hash224.ToUpperInvariant()}:{Url}"), Is.EqualTo(TaskPackage.Parse($"hash:sha3:{Hash224}:{Url}")));
        Assert.That(TaskPackage.Parse($"hash:sha3:{Hash224}:{Url}"), Is.Not.EqualTo(TaskPackage.Parse($"hash:sha3:{Hash224}:{Url}?x")));
    }
}
