using Golem.VmImages.Building;
using Golem.VmImages.Oci;
using Golem.VmImages.Tests.Building;

namespace Golem.VmImages.Tests.Oci;

/// <summary>Image references read as Docker reads them, and the linux/amd64 default for a local source holding several platforms.</summary>
public sealed class ImageReferenceTests : BuildTestBase
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static readonly object[] Valid =
    [
        new object?[] { "python", "docker.io", "library/python", "latest", null },
        new object?[] { "python:3.12-slim", "docker.io", "library/python", "3.12-slim", null },
        new object?[] { "docker://python:3.12-slim", "docker.io", "library/python", "3.12-slim", null },
        new object?[] { "alice/app", "docker.io", "alice/app", "latest", null },
        new object?[] { "index.docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", null },
        new object?[] { "ghcr.io/org/team/app:v1", "ghcr.io", "org/team/app", "v1", null },
        new object?[] { "localhost/app", "localhost", "app", "latest", null },
        new object?[] { "localhost:5000/app:2", "localhost:5000", "app", "2", null },
        new object?[] { "127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", null },
        new object?[] { "[::1]:5000/app", "[::1]:5000", "app", "latest", null },
        new object?[] { "python@" + Digest, "docker.io", "library/python", null, Digest },
        new object?[] { "python:3.12@" + Digest, "docker.io", "library/python", "3.12", Digest },
        new object?[] { "my_app-x__y/z.v2", "docker.io", "my_app-x__y/z.v2", "latest", null },
    ];

    [TestCaseSource(nameof(Valid))]
    public void Parse_DockerForms_NormalizesLikeDocker(string text, string registry, string repository, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(text);

        Assert.That((reference.Registry, reference.Repository, reference.Tag, reference.Digest), Is.EqualTo((registry, repository, tag, digest)));
        Assert.That(ImageReference.Parse(reference.ToString()), Is.EqualTo(reference));
        Assert.That(reference.ManifestReference, Is.EqualTo(digest ?? tag));
    }

    [TestCase("", "empty")]
    [TestCase("Python", "repository 'Python'")]
    [TestCase("app:", "tag ''")]
    [TestCase("app:-x", "tag '-x'")]
    [TestCase("app@sha256:abc", "'sha256:abc' is not a manifest digest")]
    [TestCase("app@md5:0123", "is not a manifest digest")]
    [TestCase("ex ample.org/app", "registry 'ex ample.org'")]
    [TestCase("team/My-App", "repository 'team/My-App'")]
    [TestCase("bad_host.org:5000/app", "registry 'bad_host.org:5000'")]
    public void Parse_Malformed_ThrowsNamingThePart(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => ImageReference.Parse(text));

        Assert.That(ex!.Message, Does.Contain(expected));
        Assert.That(ImageReference.TryParse(text, out _), Is.False);
    }

    [Test]
    public void WithDigest_KeepsTheTagAndPins()
    {
        var pinned = ImageReference.Parse("python:3.12").WithDigest(Digest);

        Assert.That(pinned.ToString(), Is.EqualTo("docker.io/library/python:3.12@" + Digest));
        Assert.That(pinned.ManifestReference, Is.EqualTo(Digest));
    }

    [Test]
    public async Task BuildAsync_LocalLayoutWithTwoPlatformsUnderOneReference_DefaultsToAmd64()
    {
        var layout = RegistryFixtures.WriteIndexLayout(Path.Combine(Scratch, "layout"), "v1", [
            ("linux/arm64", [new LayerTar().File("arch", "arm64").Build()]),
            ("linux/amd64", [new LayerTar().File("arch", "amd64").Build()]),
        ]);

        await GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "default.gvmi"), new GvmiBuildOptions { Reference = "v1" });
        await GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "arm.gvmi"), new GvmiBuildOptions { Reference = "v1", Platform = "linux/arm64" });

        Assert.That(ImageContent.Read(Path.Combine(Scratch, "default.gvmi")).Items["arch"].Content, Is.EqualTo("amd64"));
        Assert.That(ImageContent.Read(Path.Combine(Scratch, "arm.gvmi")).Items["arch"].Content, Is.EqualTo("arm64"));
    }
}
