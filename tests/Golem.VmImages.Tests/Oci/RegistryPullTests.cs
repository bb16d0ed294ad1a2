using System.Runtime.Versioning;
using System.Text;
using Golem.VmImages.Building;
using Golem.VmImages.Oci;
using Golem.VmImages.Tests.Building;

namespace Golem.VmImages.Tests.Oci;

/// <summary>
/// <c>GvmiBuilder.BuildAsync(ImageReference, ...)</c> against Debian's docker-registry on loopback, fixtures pushed
/// with skopeo: the pulled build hashes like the build of the oci-archive skopeo fetches, layers are cached, auth
/// (htpasswd over https with a test CA, the token flow), platforms, and faults through a proxy.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RegistryPullTests : BuildTestBase
{
    private static readonly IReadOnlyList<byte[]> Layers = [RegistryFixtures.Layer("opt/a.bin", 300_000, 1), RegistryFixtures.Layer("opt/b.bin", 200_000, 2)];

    [Test]
    public async Task BuildAsync_PlainHttpLoopbackRegistry_HashesLikeTheSkopeoArchiveBuild()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");

        var pulled = await GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:1"), Path.Combine(Scratch, "pulled.gvmi"), Options());
        var archive = registry.FetchArchive("test/app:1", Path.Combine(Scratch, "skopeo.tar"));
        var local = await GvmiBuilder.BuildAsync(archive, Path.Combine(Scratch, "local.gvmi"));

        Assert.That(pulled.ImageHash, Is.EqualTo(local.ImageHash));
        Assert.That(pulled.ManifestDigest, Does.Match("^sha256:[0-9a-f]{64}$"));
        Assert.That(local.ManifestDigest, Is.Null);
        var pinned = await GvmiBuilder.BuildAsync(ImageReference.Parse("docker://" + registry.Host + "/test/app@" + pulled.ManifestDigest), Path.Combine(Scratch, "pinned.gvmi"), Options());
        Assert.That(pinned.ImageHash, Is.EqualTo(pulled.ImageHash));
        Assert.That(ImageContent.Read(Path.Combine(Scratch, "pulled.gvmi")).Items, Does.ContainKey("opt/b.bin"));
    }

    [Test]
    public async Task BuildAsync_SecondBuildAfterOneLayerChanged_DownloadsOnlyThatLayer()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "v1"), Layers, gzip: true), "latest", "test/app", "1");
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "v2"), [Layers[0], RegistryFixtures.Layer("opt/c.bin", 100_000, 3)], gzip: true), "latest", "test/app", "2");
        await GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:1"), Path.Combine(Scratch, "v1.gvmi"), Options());

        var reports = new List<OciLayerProgress>();
        var options = Options();
        options.Registry.Progress = new SyncProgress<OciLayerProgress>(reports.Add);
        await GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:2"), Path.Combine(Scratch, "v2.gvmi"), options);

        var finals = reports.Where(r => r.BytesDone == r.TotalBytes).ToList();
        Assert.That(finals.Single(r => r.LayerIndex == 0).FromCache, Is.True);
        Assert.That(finals.Single(r => r.LayerIndex == 1).FromCache, Is.False);
        Assert.That(Directory.GetFiles(Path.Combine(Scratch, "cache", "oci", "partial")), Is.Empty);
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task BuildAsync_CachedLayerChangedAfterItWasNamed_FailsNamingTheLayer()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");
        var reference = ImageReference.Parse(registry.Host + "/test/app:1");
        await GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "first.gvmi"), Options());
        var layer = Directory.GetFiles(Path.Combine(Scratch, "cache", "oci", "sha256")).MaxBy(f => new FileInfo(f).Length)!;
        File.SetUnixFileMode(layer, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = await File.ReadAllBytesAsync(layer);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(layer, bytes);

        // A cached blob is trusted by name and length (it was verified before it was named), yet the build still
        // decompresses every layer and hashes its tar against the config's diff_id, so a changed file never reaches
        // an image.
        var failed = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "second.gvmi"), Options()));
        Assert.That(failed!.Message, Does.StartWith("layer 1 of 2 (sha256:"));
        Assert.That(File.Exists(Path.Combine(Scratch, "second.gvmi")), Is.False);
    }

    [Test]
    public async Task BuildAsync_HtpasswdOverHttpsWithTestCa_UsesTheAuthFileAndRefusesWithoutIt()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"), RegistryAuth.Htpasswd, https: true);
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");
        var reference = ImageReference.Parse(registry.Host + "/test/app:1");
        var authFile = WriteAuthFile(registry.Host, DockerRegistry.User, DockerRegistry.Password);

        var options = Options();
        options.Registry.CaCertificateFile = registry.CaFile;
        options.Registry.AuthFile = authFile;
        var result = await GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "ok.gvmi"), options);
        Assert.That(result.ManifestDigest, Is.Not.Null);

        var anonymous = Options("cache2");
        anonymous.Registry.CaCertificateFile = registry.CaFile;
        anonymous.Registry.AuthFile = Path.Combine(Scratch, "none.json");
        var refused = await Assert.ThrowsAsync<OciRegistryAuthorizationException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "anon.gvmi"), anonymous));
        Assert.That(refused!.Message, Does.Contain("needs credentials").And.Contain("docker login"));

        var wrong = Options("cache3");
        wrong.Registry.CaCertificateFile = registry.CaFile;
        wrong.Registry.AuthFile = WriteAuthFile(registry.Host, DockerRegistry.User, "wrong-Password-123");
        var denied = await Assert.ThrowsAsync<OciRegistryAuthorizationException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "wrong.gvmi"), wrong));
        Assert.That(denied!.ToString(), Does.Not.Contain("wrong-Password-123").And.Not.Contain(DockerRegistry.Password));

        var untrusted = Options("cache4");
        untrusted.Registry.AuthFile = authFile;
        var tls = await Assert.ThrowsAsync<OciRegistryRequestException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "tls.gvmi"), untrusted));
        Assert.That(tls!.Message, Does.Contain("TLS"));
        Assert.That(File.Exists(Path.Combine(Scratch, "anon.gvmi")) || File.Exists(Path.Combine(Scratch, "wrong.gvmi")) || File.Exists(Path.Combine(Scratch, "tls.gvmi")), Is.False);
    }

    [Test]
    public async Task BuildAsync_TokenFlow_AnonymousPullAndCredentialedPull()
    {
        await using (var open = await DockerRegistry.StartAsync(Path.Combine(Scratch, "open"), RegistryAuth.Token))
        {
            open.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");
            var options = Options();
            options.Registry.AuthFile = Path.Combine(Scratch, "none.json");
            var anonymous = await GvmiBuilder.BuildAsync(ImageReference.Parse(open.Host + "/test/app:1"), Path.Combine(Scratch, "anonymous.gvmi"), options);
            Assert.That(anonymous.LayerCount, Is.EqualTo(2));
        }

        await using var closed = await DockerRegistry.StartAsync(Path.Combine(Scratch, "closed"), RegistryAuth.Token, anonymousPull: false);
        closed.Push(Path.Combine(Scratch, "layout"), "latest", "test/app", "1");
        var reference = ImageReference.Parse(closed.Host + "/test/app:1");
        var noCredentials = Options("cache2");
        noCredentials.Registry.AuthFile = Path.Combine(Scratch, "none.json");
        var refused = await Assert.ThrowsAsync<OciRegistryAuthorizationException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "refused.gvmi"), noCredentials));
        Assert.That(refused!.Message, Does.Contain("token service").And.Contain("anonymous"));

        var withCredentials = Options("cache3");
        withCredentials.Registry.UserName = DockerRegistry.User;
        withCredentials.Registry.Password = DockerRegistry.Password;
        var result = await GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "credentialed.gvmi"), withCredentials);
        Assert.That(result.LayerCount, Is.EqualTo(2));
    }

    [Test]
    public async Task BuildAsync_TwoPlatformIndex_DefaultsToAmd64AndPlatformOverrides()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        var layout = RegistryFixtures.WriteIndexLayout(Path.Combine(Scratch, "index"), "multi", [
            ("linux/arm64", [new LayerTar().File("arch", "arm64").Build()]),
            ("linux/amd64", [new LayerTar().File("arch", "amd64").Build()]),
        ]);
        registry.Push(layout, "multi", "test/multi", "1", all: true);
        var reference = ImageReference.Parse(registry.Host + "/test/multi:1");

        await GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "default.gvmi"), Options());
        var arm = Options();
        arm.Platform = "linux/arm64";
        await GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "arm.gvmi"), arm);
        var s390x = Options();
        s390x.Platform = "linux/s390x";
        var missing = await Assert.ThrowsAsync<OciImageNotFoundException>(() => GvmiBuilder.BuildAsync(reference, Path.Combine(Scratch, "s390x.gvmi"), s390x));

        Assert.That(ImageContent.Read(Path.Combine(Scratch, "default.gvmi")).Items["arch"].Content, Is.EqualTo("amd64"));
        Assert.That(ImageContent.Read(Path.Combine(Scratch, "arm.gvmi")).Items["arch"].Content, Is.EqualTo("arm64"));
        Assert.That(missing!.Message, Does.Contain("linux/s390x").And.Contain("linux/arm64, linux/amd64"));
    }

    [Test]
    public async Task BuildAsync_UnknownTagOrRepository_ThrowsNotFound()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");

        var tag = await Assert.ThrowsAsync<OciImageNotFoundException>(() => GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:nope"), Path.Combine(Scratch, "a.gvmi"), Options()));
        var repository = await Assert.ThrowsAsync<OciImageNotFoundException>(() => GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/other:1"), Path.Combine(Scratch, "b.gvmi"), Options()));
        var digest = await Assert.ThrowsAsync<OciImageNotFoundException>(() => GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app@sha256:" + new string('0', 64)), Path.Combine(Scratch, "c.gvmi"), Options()));

        Assert.That(tag!.Message, Does.Contain("test/app:nope").And.Contain("404"));
        Assert.That(repository!.Reference, Is.EqualTo(registry.Host + "/test/other:1"));
        Assert.That(digest!.Message, Does.Contain("404"));
    }

    [Test]
    public async Task BuildAsync_Registry503ThenCutMidBlob_RetriesAndResumesWithRange()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");
        var expected = await GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:1"), Path.Combine(Scratch, "direct.gvmi"), Options("direct-cache"));
        await using var proxy = await FaultProxy.StartAsync(registry.Host, unavailable: 2, cuts: 1);

        var options = Options();
        options.Registry.MaxParallelDownloads = 1;
        var result = await GvmiBuilder.BuildAsync(ImageReference.Parse(proxy.Host + "/test/app:1"), Path.Combine(Scratch, "faulty.gvmi"), options);

        Assert.That(result.ImageHash, Is.EqualTo(expected.ImageHash));
        Assert.That(proxy.BlobRanges.Count(r => r.StartsWith("bytes=", StringComparison.Ordinal) && !r.StartsWith("bytes=0-", StringComparison.Ordinal)), Is.EqualTo(1), string.Join(" | ", proxy.BlobRanges));
    }

    [Test]
    public async Task BuildAsync_FlippedByteAndUnreachableRegistry_TypedFailuresAndNothingCached()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"));
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), Layers, gzip: true), "latest", "test/app", "1");
        await using (var proxy = await FaultProxy.StartAsync(registry.Host, flipByte: true))
        {
            var mismatch = await Assert.ThrowsAsync<OciDigestMismatchException>(() => GvmiBuilder.BuildAsync(ImageReference.Parse(proxy.Host + "/test/app:1"), Path.Combine(Scratch, "flipped.gvmi"), Options()));
            Assert.That(mismatch!.Message, Does.Contain(mismatch.Expected).And.Contain("nothing was kept"));
            Assert.That(Directory.GetFiles(Path.Combine(Scratch, "cache", "oci", "sha256")).Select(Path.GetFileName), Does.Not.Contain(mismatch.Expected![7..]));
        }

        await using (var proxy = await FaultProxy.StartAsync(registry.Host, unavailable: 100))
        {
            var options = Options();
            options.Registry.MaxAttempts = 3;
            var failed = await Assert.ThrowsAsync<OciRegistryRequestException>(() => GvmiBuilder.BuildAsync(ImageReference.Parse(proxy.Host + "/test/app:1"), Path.Combine(Scratch, "down.gvmi"), options));
            Assert.That(failed!.StatusCode, Is.EqualTo(503));
            Assert.That(failed.Message, Does.Contain("503").And.Contain("3 attempts"));
        }

        Assert.That(LeftoverTemporaryFiles(), Is.Empty);
        Assert.That(Directory.GetFiles(Scratch, "*.gvmi"), Is.Empty);
    }

    [Test]
    public async Task BuildAsync_MissingCredentialHelper_NamesIt()
    {
        var config = Path.Combine(Scratch, "config.json");
        File.WriteAllText(config, "{\"credHelpers\":{\"127.0.0.1:9\":\"gvmi-test-missing\"}}");
        var options = Options();
        options.Registry.AuthFile = config;
        options.Registry.MaxAttempts = 1;

        // Port 9 (discard) refuses the connection, so the helper is looked up only if the registry asked; ask directly instead.
        var ex = await Assert.ThrowsAsync<OciRegistryAuthorizationException>(async () => await RegistryAuthFiles.FindAsync(ImageReference.Parse("127.0.0.1:9/app"), options.Registry, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("docker-credential-gvmi-test-missing").And.Contain("127.0.0.1:9"));
    }

    [Test]
    public async Task FindAsync_AuthFilesAndHelper_ReadLikeDockerAndPodman()
    {
        var helperDirectory = Directory.CreateDirectory(Path.Combine(Scratch, "bin")).FullName;
        var helper = Path.Combine(helperDirectory, "docker-credential-gvmitest");
        File.WriteAllText(helper, "#!/bin/sh\nread server\nif [ \"$server\" = \"https://index.docker.io/v1/\" ]; then echo '{\"ServerURL\":\"x\",\"Username\":\"hub-user\",\"Secret\":\"hub-secret\"}'; else echo 'credentials not found in native keychain'; exit 1; fi\n");
        File.SetUnixFileMode(helper, (UnixFileMode)0x1ED);
        var config = Path.Combine(Scratch, "config.json");
        File.WriteAllText(config, "{\"auths\":{\"https://registry.example.org/v1/\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pw:with:colons")) + "\"},\"registry.example.org/team\":{\"username\":\"team\",\"password\":\"tpw\"}},\"credsStore\":\"gvmitest\"}");
        var options = new OciPullOptions { AuthFile = config };
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", helperDirectory + ":" + path);
        try
        {
            var plain = await RegistryAuthFiles.FindAsync(ImageReference.Parse("registry.example.org/other/app"), options, CancellationToken.None);
            var scoped = await RegistryAuthFiles.FindAsync(ImageReference.Parse("registry.example.org/team/app"), options, CancellationToken.None);
            var hub = await RegistryAuthFiles.FindAsync(ImageReference.Parse("python"), options, CancellationToken.None);
            var none = await RegistryAuthFiles.FindAsync(ImageReference.Parse("quay.io/x/y"), options, CancellationToken.None);

            Assert.That(plain, Is.EqualTo(new BasicCredentials("bob", "pw:with:colons")));
            Assert.That(scoped, Is.EqualTo(new BasicCredentials("team", "tpw")));
            Assert.That(hub, Is.EqualTo(new BasicCredentials("hub-user", "hub-secret")));
            Assert.That(none, Is.Null);
            Assert.That(hub!.ToString(), Does.Not.Contain("hub-secret"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    private GvmiBuildOptions Options(string cache = "cache") => new()
    {
        Registry = new OciPullOptions { CacheDirectory = Path.Combine(Scratch, cache), RetryDelay = TimeSpan.FromMilliseconds(10) },
    };

    private string WriteAuthFile(string host, string user, string password)
    {
        var path = Path.Combine(Scratch, Guid.NewGuid().ToString("N")[..6] + "-auth.json");
        File.WriteAllText(path, "{\"auths\":{\"" + host + "\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)) + "\"}}}");
        return path;
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
