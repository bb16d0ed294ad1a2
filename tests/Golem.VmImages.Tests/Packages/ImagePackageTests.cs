using System.Text.Json;

namespace Golem.VmImages.Tests.Packages;

public class ImagePackageTests
{
    // The example image from the Golem docs (vm.repo() docstring in yapapi).
    private const string DocsHash = "d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376";
    private const string DocsUrl = "http://girepo.dev.golem.network:8000/docker-golem-hello-world-latest-779758b432.gvmi";

    private static ImagePackage DocsPackage => new(ImageHash.Parse(DocsHash), new Uri(DocsUrl));

    /// <summary>
    /// Golden constraints strings. Source of every expected value: yapapi's <c>_VmConstraints</c> (payload/vm.py)
    /// serialized by <c>constraint_model_serialize</c> + <c>join_str_constraints</c> (props/base.py): fields in the
    /// order mem, storage, threads, capabilities, runtime; each <c>(key op str(value))</c>; empty strings dropped;
    /// several joined as <c>(&amp;</c> + join("\n\t") + <c>)</c>; the capability list joined the same way first
    /// (empty list gives ""). Floats print as Python's <c>str(float)</c>, ints without a point. The cores
    /// constraint is the JavaScript SDK's and is placed after the threads constraint.
    /// </summary>
    private static readonly object[] ConstraintCases =
    [
        new object[]
        {
            "defaults: vm.repo(image_hash=..., image_url=...)",
            DocsPackage,
            "(&(golem.inf.mem.gib>=0.5)\n\t(golem.inf.storage.gib>=2.0)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "integral floats keep '.0': min_mem_gib=4.0, min_storage_gib=10.0, min_cpu_threads=8",
            DocsPackage with { MinMemGib = 4, MinStorageGib = 10, MinCpuThreads = 8 },
            "(&(golem.inf.mem.gib>=4.0)\n\t(golem.inf.storage.gib>=10.0)\n\t(golem.inf.cpu.threads>=8)\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "fractional and exponent floats: min_mem_gib=0.25, min_storage_gib=1e-05",
            DocsPackage with { MinMemGib = 0.25, MinStorageGib = 1e-05 },
            "(&(golem.inf.mem.gib>=0.25)\n\t(golem.inf.storage.gib>=1e-05)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "large float: min_storage_gib=1e16 prints 1e+16; 0.1+0.2 keeps all digits",
            DocsPackage with { MinMemGib = 0.1 + 0.2, MinStorageGib = 1e16 },
            "(&(golem.inf.mem.gib>=0.30000000000000004)\n\t(golem.inf.storage.gib>=1e+16)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "one capability: capabilities=['vpn'] adds a single constraint",
            DocsPackage with { Capabilities = [ImageCapabilities.Vpn] },
            "(&(golem.inf.mem.gib>=0.5)\n\t(golem.inf.storage.gib>=2.0)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.runtime.capabilities=vpn)\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "two capabilities: capabilities=['vpn', 'inet'] nest an (& ...) group",
            DocsPackage with { Capabilities = [ImageCapabilities.Vpn, ImageCapabilities.Inet] },
            "(&(golem.inf.mem.gib>=0.5)\n\t(golem.inf.storage.gib>=2.0)\n\t(golem.inf.cpu.threads>=1)\n\t(&(golem.runtime.capabilities=vpn)\n\t(golem.runtime.capabilities=inet))\n\t(golem.runtime.name=vm))",
        },
        new object[]
        {
            "cores (JavaScript SDK's golem.inf.cpu.cores) after threads, with a capability",
            DocsPackage with { MinCpuCores = 2, Capabilities = [ImageCapabilities.ManifestSupport] },
            "(&(golem.inf.mem.gib>=0.5)\n\t(golem.inf.storage.gib>=2.0)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.inf.cpu.cores>=2)\n\t(golem.runtime.capabilities=manifest-support)\n\t(golem.runtime.name=vm))",
        },
    ];

    [TestCaseSource(nameof(ConstraintCases))]
    public void ToDemand_Inputs_ConstraintsMatchYapapi(string description, ImagePackage package, string expected)
    {
        Assert.That(package.ToDemand().Constraints, Is.EqualTo(expected), description);
    }

    [Test]
    public void ToDemand_DocsExample_PropertiesMatchYapapi()
    {
        // Source: yapapi check_package_url returns f"hash:sha3:{image_hash}:{image_url}" and VmRequest adds
        // package_format=gvmkit-squash.
        var demand = DocsPackage.ToDemand();

        Assert.That(demand.TaskPackage, Is.EqualTo($"hash:sha3:{DocsHash}:{DocsUrl}"));
        Assert.That(demand.PackageFormat, Is.EqualTo("gvmkit-squash"));
        Assert.That(demand.Properties, Is.EqualTo(new Dictionary<string, string>
        {
            ["golem.srv.comp.task_package"] = $"hash:sha3:{DocsHash}:{DocsUrl}",
            ["golem.srv.comp.vm.package_format"] = "gvmkit-squash",
        }));
    }

    [Test]
    public void TaskPackage_UrlWithOddCharacters_WrittenAsGiven()
    {
        var url = "https://Example.org:8443/a%20b/image.gvmi?x=1&y=2";
        var package = new ImagePackage(ImageHash.Parse(DocsHash.ToUpperInvariant()), new Uri(url));

        Assert.That(package.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{DocsHash}:{url}"));
    }

    [Test]
    public void Constructor_Defaults_MatchVmRepo()
    {
        var package = DocsPackage;

        Assert.That(package.MinMemGib, Is.EqualTo(0.5));
        Assert.That(package.MinStorageGib, Is.EqualTo(2.0));
        Assert.That(package.MinCpuThreads, Is.EqualTo(1));
        Assert.That(package.MinCpuCores, Is.Null);
        Assert.That(package.Capabilities, Is.Empty);
        Assert.That(package.AllowFileUrl, Is.False);
    }

    [Test]
    public void Equals_SameCapabilitiesInNewLists_AreEqual()
    {
        var a = DocsPackage with { Capabilities = new List<string> { "vpn", "inet" } };
        var b = DocsPackage with { Capabilities = new[] { "vpn", "inet" } };

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(a == b, Is.True);
    }

    [Test]
    public void Equals_DifferentCapabilityOrderOrRequirement_AreNotEqual()
    {
        var a = DocsPackage with { Capabilities = ["vpn", "inet"] };

        Assert.That(a, Is.Not.EqualTo(DocsPackage with { Capabilities = ["inet", "vpn"] }));
        Assert.That(a, Is.Not.EqualTo(a with { MinCpuCores = 1 }));
        Assert.That(a, Is.Not.EqualTo(a with { ImageUrl = new Uri(DocsUrl + "?v=2") }));
    }

    [Test]
    public void Capabilities_CallerMutatesList_PackageUnchanged()
    {
        var list = new List<string> { "vpn" };
        var package = DocsPackage with { Capabilities = list };
        list.Add("inet");

        Assert.That(package.Capabilities, Is.EqualTo(new[] { "vpn" }));
    }

    [TestCase("ftp://example.org/image.gvmi", "scheme 'ftp' is not supported; expected http or https")]
    [TestCase("file:///srv/image.gvmi", "scheme 'file' is not supported; expected http or https (a file URL needs allowFileUrl: true)")]
    public void Constructor_UnsupportedScheme_Throws(string url, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new ImagePackage(ImageHash.Parse(DocsHash), new Uri(url)));
        Assert.That(ex.Message, Does.Contain(message));
    }

    [Test]
    public void Constructor_FileUrlAllowed_Accepted()
    {
        var package = new ImagePackage(ImageHash.Parse(DocsHash), new Uri("file:///srv/image.gvmi"), allowFileUrl: true);

        Assert.That(package.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{DocsHash}:file:///srv/image.gvmi"));
    }

    [Test]
    public void Constructor_RelativeUrl_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new ImagePackage(ImageHash.Parse(DocsHash), new Uri("images/a.gvmi", UriKind.Relative)));
        Assert.That(ex.Message, Does.Contain("'images/a.gvmi' is not an absolute URL"));
    }

    [Test]
    public void Constructor_NullUrl_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new ImagePackage(ImageHash.Parse(DocsHash), null!));
    }

    [Test]
    public void Constructor_DefaultHash_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new ImagePackage(default, new Uri(DocsUrl)));
        Assert.That(ex.Message, Does.Contain("default(ImageHash)"));
    }

    [Test]
    public void Constructor_UrlWithSpace_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new ImagePackage(ImageHash.Parse(DocsHash), new Uri("http://example.org/a b.gvmi")));
        Assert.That(ex.Message, Does.Contain("contains white space"));
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void MinMemGib_NotPositiveFinite_Throws(double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = DocsPackage with { MinMemGib = value });
        Assert.That(ex.Message, Does.Contain("The requirement MinMemGib is").And.Contain("expected a positive finite number"));
    }

    [Test]
    public void MinStorageGib_Negative_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = DocsPackage with { MinStorageGib = -1 });
        Assert.That(ex.Message, Does.Contain("MinStorageGib is -1"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void MinCpuThreadsAndCores_NotPositive_Throw(int value)
    {
        Assert.That(() => DocsPackage with { MinCpuThreads = value }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contain("MinCpuThreads"));
        Assert.That(() => DocsPackage with { MinCpuCores = value }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contain("MinCpuCores"));
    }

    [Test]
    public void Capabilities_Duplicate_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = DocsPackage with { Capabilities = ["vpn", "inet", "vpn"] });
        Assert.That(ex.Message, Does.Contain("The capability 'vpn' at index 2 is listed twice"));
    }

    [Test]
    public void Capabilities_Empty_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = DocsPackage with { Capabilities = ["vpn", ""] });
        Assert.That(ex.Message, Does.Contain("The capability at index 1 is empty"));
    }

    [TestCase("v pn")]
    [TestCase("vpn)")]
    [TestCase("a=b")]
    [TestCase("*")]
    public void Capabilities_NotPlainName_Throws(string capability)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = DocsPackage with { Capabilities = [capability] });
        Assert.That(ex.Message, Does.Contain($"The capability '{capability}' at index 0 contains"));
    }

    [Test]
    public void Capabilities_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _ = DocsPackage with { Capabilities = null! });
        Assert.That(() => DocsPackage with { Capabilities = [null!] }, Throws.ArgumentException.With.Message.Contain("index 0 is null"));
    }

    [Test]
    public void Capabilities_UnknownName_Allowed()
    {
        var package = DocsPackage with { Capabilities = ["future-cap"] };

        Assert.That(package.ToDemand().Constraints, Does.Contain("(golem.runtime.capabilities=future-cap)"));
    }

    [Test]
    public void ToJson_FullPackage_RoundTripsWithStableNames()
    {
        var package = DocsPackage with { MinMemGib = 1.5, MinCpuCores = 4, Capabilities = ["vpn", "gpu"] };

        var json = package.ToJson();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.That(root.GetProperty("imageHash").GetString(), Is.EqualTo(DocsHash));
        Assert.That(root.GetProperty("imageUrl").GetString(), Is.EqualTo(DocsUrl));
        Assert.That(root.GetProperty("minMemGib").GetDouble(), Is.EqualTo(1.5));
        Assert.That(root.GetProperty("minStorageGib").GetDouble(), Is.EqualTo(2.0));
        Assert.That(root.GetProperty("minCpuThreads").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("minCpuCores").GetInt32(), Is.EqualTo(4));
        Assert.That(root.GetProperty("capabilities")[1].GetString(), Is.EqualTo("gpu"));
        Assert.That(root.TryGetProperty("allowFileUrl", out _), Is.False);
        Assert.That(root.TryGetProperty("taskPackage", out _), Is.False);
        Assert.That(ImagePackage.FromJson(json), Is.EqualTo(package));
    }

    [Test]
    public void FromJson_OnlyHashAndUrl_UsesDefaults()
    {
        var package = ImagePackage.FromJson($$"""{"imageHash":"{{DocsHash}}","imageUrl":"{{DocsUrl}}"}""");

        Assert.That(package, Is.EqualTo(DocsPackage));
    }

    [Test]
    public void FromJson_InvalidRequirement_Throws()
    {
        Assert.That(
            () => ImagePackage.FromJson($$"""{"imageHash":"{{DocsHash}}","imageUrl":"{{DocsUrl}}","minMemGib":-1}"""),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void FromJson_BadHash_ThrowsJsonException()
    {
        Assert.That(
            () => ImagePackage.FromJson("""{"imageHash":"abc","imageUrl":"http://a/b"}"""),
            Throws.InstanceOf<JsonException>().With.Message.Contain("Expected 56 hexadecimal characters for a SHA3-224 image hash but found 3."));
        Assert.That(() => ImagePackage.FromJson("null"), Throws.InstanceOf<JsonException>().With.Message.Contain("JSON document is null"));
        Assert.That(() => ImagePackage.FromJson("[]"), Throws.InstanceOf<JsonException>().With.Message.Contain("Expected a JSON object"));
        Assert.That(
            () => ImagePackage.FromJson("""{"imageUrl":"http://a/b"}"""),
            Throws.InstanceOf<JsonException>().With.Message.Contain("has no 'imageHash' property"));
        Assert.That(
            () => ImagePackage.FromJson($$"""{"imageHash":"{{DocsHash}}"}"""),
            Throws.InstanceOf<JsonException>().With.Message.Contain("has no 'imageUrl' property"));
    }

    [TestCase("http://")]
    [TestCase("http://[::1")]
    public void FromJson_MalformedUrl_ThrowsJsonException(string url)
    {
        Assert.That(
            () => ImagePackage.FromJson($$"""{"imageHash":"{{DocsHash}}","imageUrl":"{{url}}"}"""),
            Throws.TypeOf<JsonException>().With.Message.Contain($"'{url}' is not a valid URL"));
    }

    [Test]
    public void Constructor_DefaultHashAndNullUrl_ThrowsArgumentNullExceptionFirst()
    {
        Assert.That(() => new ImagePackage(default, null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("imageUrl"));
        Assert.That(() => new TaskPackage(default(ImageHash), null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("url"));
    }

    [Test]
    public void ImageDemandToJson_Defaults_PlainStringValues()
    {
        var json = DocsPackage.ToDemand().ToJson();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.That(root.GetProperty("taskPackage").GetString(), Is.EqualTo($"hash:sha3:{DocsHash}:{DocsUrl}"));
        Assert.That(root.GetProperty("packageFormat").GetString(), Is.EqualTo("gvmkit-squash"));
        Assert.That(root.GetProperty("constraints").GetString(), Is.EqualTo(DocsPackage.ToDemand().Constraints));
        Assert.That(root.GetProperty("properties").GetProperty("golem.srv.comp.task_package").GetString(), Is.EqualTo($"hash:sha3:{DocsHash}:{DocsUrl}"));
    }

    [Test]
    public async Task FromFileAsync_File_HashesWithImageHasher()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, "hello golem"u8.ToArray());
            var package = await ImagePackage.FromFileAsync(path, new Uri("http://127.0.0.1/x.gvmi"));

            Assert.That(package.ImageHash, Is.EqualTo(ImageHasher.HashData("hello golem"u8)));
            Assert.That(package.ImageUrl.OriginalString, Is.EqualTo("http://127.0.0.1/x.gvmi"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void FromFileAsync_BadArguments_ThrowSynchronously()
    {
        Assert.Throws<ArgumentException>(() => _ = ImagePackage.FromFileAsync("", new Uri("http://a/b")));
        Assert.Throws<ArgumentException>(() => _ = ImagePackage.FromFileAsync("x.gvmi", new Uri("ftp://a/b")));
        Assert.Throws<ArgumentNullException>(() => _ = ImagePackage.FromFileAsync("x.gvmi", null!));
    }
}
