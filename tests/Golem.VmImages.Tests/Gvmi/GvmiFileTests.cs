using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Gvmi;

public class GvmiFileTests
{
    /// <summary>The committed sample (built by samples/images/build-hello.sh), copied into the test output.</summary>
    private static readonly string SamplePath = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");

    /// <summary>
    /// The image hash of the committed sample, as printed by an independent SHA3-224 (Python's
    /// <c>hashlib.sha3_224</c>, equivalently <c>sha3sum -a 224 samples/images/hello.gvmi</c>).
    /// </summary>
    private const string SampleHash = "4d2273ca1a4405f0f58fb7e43721237bc19862f697685813e6413ca8";

    [Test]
    public async Task ReadMetadataAsync_Sample_ReadsConfigAndSizes()
    {
        var metadata = await GvmiFile.ReadMetadataAsync(SamplePath);

        Assert.That(metadata.Config.Cmd, Is.EqualTo(new[] { "/bin/cat", "/hello.txt" }));
        Assert.That(metadata.Config.Entrypoint, Is.Null);
        Assert.That(metadata.Config.Env, Is.EqualTo(new[] { "PATH=/usr/local/bin:/usr/bin:/bin" }));
        Assert.That(metadata.Config.WorkingDir, Is.EqualTo("/"));
        Assert.That(metadata.Config.Volumes, Is.EqualTo(new[] { "/golem/work" }));
        Assert.That(metadata.FileLength, Is.EqualTo(new FileInfo(SamplePath).Length));
        Assert.That(metadata.SquashfsLength, Is.EqualTo(4096));
        Assert.That(metadata.HasSquashfsMagic, Is.True);
        Assert.That(metadata.Crc32, Is.EqualTo(Crc32.HashToUInt32(Encoding.UTF8.GetBytes(metadata.ConfigJson))));
    }

    [Test]
    public async Task HashFileAsync_Sample_MatchesIndependentSha3()
    {
        Assert.That((await ImageHasher.HashFileAsync(SamplePath)).ToString(), Is.EqualTo(SampleHash));
    }

    [Test]
    public async Task WriteAsync_ThenRead_RoundTripsConfigAndHash()
    {
        var squashfs = FakeSquashfs(300_000);
        var config = new GvmiContainerConfig
        {
            Entrypoint = ["/usr/bin/python3", "-u"],
            Cmd = ["app.py"],
            Env = ["A=1", "B=two words"],
            WorkingDir = "/app",
            Volumes = ["/golem/input", "/golem/output"],
            Labels = new Dictionary<string, string> { ["org.example"] = "yes" },
            User = "1000",
            Image = "sha256:abc",
            Hostname = "h",
        };
        using var destination = new MemoryStream();

        var result = await GvmiFile.WriteAsync(new MemoryStream(squashfs), config, destination);

        var bytes = destination.ToArray();
        Assert.That(result.FileLength, Is.EqualTo(bytes.Length));
        Assert.That(result.SquashfsLength, Is.EqualTo(squashfs.Length));
        Assert.That(result.ImageHash, Is.EqualTo(ImageHasher.HashData(bytes)));
        Assert.That(bytes.AsSpan(0, squashfs.Length).SequenceEqual(squashfs), Is.True);
        var metadata = await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes));
        Assert.That(metadata.Config, Is.EqualTo(config));
        Assert.That(metadata.SquashfsLength, Is.EqualTo(squashfs.Length));
        Assert.That(metadata.Crc32, Is.EqualTo(result.Crc32));
    }

    [Test]
    public async Task WriteAsync_Trailer_HasGvmkitLayout()
    {
        var config = new GvmiContainerConfig { Cmd = ["/bin/sh"] };
        using var destination = new MemoryStream();

        await GvmiFile.WriteAsync(new MemoryStream(FakeSquashfs(96)), config, destination);

        var bytes = destination.ToArray();
        var json = "{\"Cmd\":[\"/bin/sh\"]}"u8.ToArray();
        var trailer = bytes.AsSpan(96);
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(trailer), Is.EqualTo(Crc32.HashToUInt32(json)));
        Assert.That(trailer.Slice(4, json.Length).ToArray(), Is.EqualTo(json));
        Assert.That(Encoding.ASCII.GetString(trailer[^8..]), Is.EqualTo("00000019"));
    }

    [Test]
    public void WriteAsync_NotSquashfs_ThrowsInvalidData()
    {
        Assert.That(
            async () => await GvmiFile.WriteAsync(new MemoryStream("PK\u0003\u0004zip"u8.ToArray()), new GvmiContainerConfig(), new MemoryStream()),
            Throws.TypeOf<InvalidDataException>().With.Message.Contain("starts with bytes 504B0304; expected the squashfs magic 'hsqs'"));
        Assert.That(
            async () => await GvmiFile.WriteAsync(new MemoryStream(), new GvmiContainerConfig(), new MemoryStream()),
            Throws.TypeOf<InvalidDataException>().With.Message.Contain("(none)"));
    }

    [Test]
    public void WriteAsync_NotSquashfsReadOneByteAtATime_MessageShowsTheFirstBytes()
    {
        Assert.That(
            async () => await GvmiFile.WriteAsync(new OneBytePerReadStream("hsqX-rest"u8.ToArray()), new GvmiContainerConfig(), new MemoryStream()),
            Throws.TypeOf<InvalidDataException>().With.Message.Contain("starts with bytes 68737158;"));
        Assert.That(
            async () => await GvmiFile.WriteAsync(new OneBytePerReadStream("hs"u8.ToArray()), new GvmiContainerConfig(), new MemoryStream()),
            Throws.TypeOf<InvalidDataException>().With.Message.Contain("starts with bytes 6873;"));
    }

    [Test]
    public async Task CreateAsync_NotSquashfs_LeavesNoOutputFile()
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.FullName, "in.zip");
        var output = Path.Combine(directory.FullName, "out.gvmi");
        await File.WriteAllBytesAsync(input, "PK\u0003\u0004zip"u8.ToArray());

        Assert.That(async () => await GvmiFile.CreateAsync(input, new GvmiContainerConfig(), output), Throws.TypeOf<InvalidDataException>());
        Assert.That(Directory.GetFiles(directory.FullName).Select(Path.GetFileName), Is.EqualTo(new[] { "in.zip" }));
    }

    [Test]
    public async Task CreateAsync_NotSquashfsOverExistingFile_KeepsExistingFile()
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.FullName, "in.zip");
        var output = Path.Combine(directory.FullName, "out.gvmi");
        await File.WriteAllBytesAsync(input, "PK\u0003\u0004zip"u8.ToArray());
        await File.WriteAllBytesAsync(output, "previous image"u8.ToArray());

        Assert.That(async () => await GvmiFile.CreateAsync(input, new GvmiContainerConfig(), output), Throws.TypeOf<InvalidDataException>());
        Assert.That(await File.ReadAllTextAsync(output), Is.EqualTo("previous image"));
        Assert.That(Directory.GetFiles(directory.FullName), Has.Length.EqualTo(2));
    }

    [Test]
    public void WriteAsync_BadArguments_ThrowSynchronously()
    {
        Assert.Throws<ArgumentNullException>(() => _ = GvmiFile.WriteAsync(null!, new GvmiContainerConfig(), new MemoryStream()));
        Assert.Throws<ArgumentNullException>(() => _ = GvmiFile.WriteAsync(new MemoryStream(), null!, new MemoryStream()));
        Assert.That(
            () => GvmiFile.WriteAsync(new MemoryStream(), new GvmiContainerConfig(), new MemoryStream([], writable: false)),
            Throws.ArgumentException.With.Message.Contain("The stream cannot be written (CanWrite is false)").And.Property("ParamName").EqualTo("destination"));
        Assert.That(
            () => GvmiFile.ReadMetadataAsync(new UnseekableStream()),
            Throws.ArgumentException.With.Message.Contain("expected a readable, seekable stream").And.Property("ParamName").EqualTo("stream"));
        Assert.Throws<ArgumentException>(() => _ = GvmiFile.ReadMetadataAsync(""));
    }

    [Test]
    public async Task CreateAsync_Files_WritesGvmiFile()
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.FullName, "in.squashfs");
        var output = Path.Combine(directory.FullName, "out.gvmi");
        await File.WriteAllBytesAsync(input, FakeSquashfs(5000));

        var result = await GvmiFile.CreateAsync(input, new GvmiContainerConfig { Entrypoint = ["/init"] }, output);

        Assert.That(result.ImageHash, Is.EqualTo(await ImageHasher.HashFileAsync(output)));
        Assert.That((await GvmiFile.ReadMetadataAsync(output)).Config.Entrypoint, Is.EqualTo(new[] { "/init" }));
    }

    [Test]
    public async Task ReadMetadataAsync_LargeImage_ReadsOnlyTheEnds()
    {
        using var destination = new MemoryStream();
        await GvmiFile.WriteAsync(new MemoryStream(FakeSquashfs(8 << 20)), new GvmiContainerConfig { Cmd = ["x"] }, destination);
        var counting = new CountingStream(destination.ToArray());

        var metadata = await GvmiFile.ReadMetadataAsync(counting);

        Assert.That(metadata.Config.Cmd, Is.EqualTo(new[] { "x" }));
        Assert.That(counting.BytesRead, Is.LessThan(300), "the length field, the CRC and JSON, and the 96-byte squashfs superblock (each counted up to twice by the wrapper)");
    }

    [Test]
    public async Task ReadMetadataAsync_GvmkitBuildJson_IgnoresUnknownMembers()
    {
        // The shape bollard's ContainerConfig serializes to (PascalCase, nulls and extra members included).
        var json = """{"Hostname":"","Domainname":"","AttachStdin":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"Env":["PATH=/bin"],"Cmd":null,"Image":"sha256:0123","Volumes":{"/golem/work":{}},"WorkingDir":"/golem/work","Entrypoint":["/bin/sh","-c"],"OnBuild":null,"Labels":{"maintainer":"golem"},"StopSignal":"SIGTERM"}""";

        var metadata = await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(FakeSquashfs(128), Encoding.UTF8.GetBytes(json))));

        Assert.That(metadata.Config.Cmd, Is.Null);
        Assert.That(metadata.Config.Entrypoint, Is.EqualTo(new[] { "/bin/sh", "-c" }));
        Assert.That(metadata.Config.Labels["maintainer"], Is.EqualTo("golem"));
        Assert.That(metadata.Config.Hostname, Is.EqualTo(string.Empty));
        Assert.That(metadata.ConfigJson, Is.EqualTo(json));
    }

    [TestCase(0)]
    [TestCase(11)]
    public void ReadMetadataAsync_TooSmall_Throws(int length)
    {
        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(new byte[length])),
            Throws.TypeOf<GvmiTooSmallException>().With.Message.Contain($"is {length} bytes long; expected at least 12 bytes")
                .And.Property(nameof(GvmiTooSmallException.FileLength)).EqualTo(length));
    }

    [Test]
    public void ReadMetadataAsync_LengthFieldNotDigits_Throws()
    {
        var bytes = Build(FakeSquashfs(128), "{}"u8.ToArray());
        "0000x002"u8.CopyTo(bytes.AsSpan(bytes.Length - 8));

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiLengthFieldException>().With.Message.Contain("is '0000x002'; expected 8 ASCII decimal digits"));
    }

    [Test]
    public void ReadMetadataAsync_LengthFieldTooLarge_Throws()
    {
        var bytes = Build(FakeSquashfs(128), "{}"u8.ToArray());
        "00001000"u8.CopyTo(bytes.AsSpan(bytes.Length - 8));

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiLengthFieldException>().With.Message.Contain("says 1000 bytes of JSON").And.Message.Contain("exceeds the file length 142"));
    }

    [Test]
    public void ReadMetadataAsync_CrcMismatch_Throws()
    {
        var bytes = Build(FakeSquashfs(128), "{\"Cmd\":[\"a\"]}"u8.ToArray());
        bytes[128 + 4 + 9] ^= 0x01; // "a" becomes "`" inside the JSON

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiCrcMismatchException>().With.Message.Contain("but the stored CRC-32 is"));
    }

    [TestCase("{\"Cmd\":", "is not a valid container config")]
    [TestCase("[1,2]", "'(root)' is a JSON array; expected an object")]
    [TestCase("{\"Cmd\":42}", "'Cmd' is a JSON number; expected an array of strings")]
    [TestCase("{\"Env\":[\"A=1\",2]}", "'Env[1]' is a JSON number; expected a string")]
    [TestCase("{\"WorkingDir\":[]}", "'WorkingDir' is a JSON array; expected a string")]
    [TestCase("{\"Volumes\":[\"/a\"]}", "'Volumes' is a JSON array; expected an object keyed by path")]
    public void ReadMetadataAsync_InvalidJsonWithValidCrc_ThrowsConfigException(string json, string message)
    {
        var bytes = Build(FakeSquashfs(128), Encoding.UTF8.GetBytes(json));

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiConfigException>().With.Message.Contain(message));
    }

    [TestCase("{\"Cmd\":[\"a\"]} x")]
    [TestCase("{}{}")]
    [TestCase("{\"Cmd\":[\"a\"]},")]
    public void ReadMetadataAsync_TrailingDataAfterJsonWithValidCrc_ThrowsConfigException(string json)
    {
        // The VM runtime parses the whole trailer JSON (serde_json::from_slice) and rejects anything after the object.
        var bytes = Build(FakeSquashfs(128), Encoding.UTF8.GetBytes(json));

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiConfigException>().With.Message.Contain("is not a valid container config"));
    }

    [Test]
    public async Task ReadMetadataAsync_TrailingWhiteSpaceAfterJson_Accepted()
    {
        var bytes = Build(FakeSquashfs(128), "{\"Cmd\":[\"a\"]} \n"u8.ToArray());

        Assert.That((await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes))).Config.Cmd, Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void ReadMetadataAsync_InvalidUtf8WithValidCrc_ThrowsConfigException()
    {
        var bytes = Build(FakeSquashfs(128), [(byte)'"', 0xff, (byte)'"']);

        Assert.That(async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)), Throws.TypeOf<GvmiConfigException>());
    }

    [Test]
    public void ReadMetadataAsync_MissingFile_ThrowsIOException()
    {
        Assert.That(async () => await GvmiFile.ReadMetadataAsync(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".gvmi")), Throws.InstanceOf<IOException>());
    }

    [TestCase(TestSquashfs.Zstd, "zstd")]
    [TestCase(TestSquashfs.Lzma, "lzma")]
    [TestCase((ushort)9, "unknown compression 9")]
    public void ReadMetadataAsync_CompressionTheProviderCannotMount_ThrowsSquashfsException(ushort compression, string name)
    {
        var squashfs = TestSquashfs.Create(4096);
        TestSquashfs.Stamp(squashfs, compression: compression);

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(squashfs, "{}"u8.ToArray()))),
            Throws.TypeOf<GvmiSquashfsException>().With.Message.EqualTo($"The squashfs image in the .gvmi file (stream) is compressed with {name}; expected gzip, lzo, lz4 or xz, which the provider's kernel mounts."));
    }

    [TestCase(TestSquashfs.Gzip)]
    [TestCase(TestSquashfs.Lzo)]
    [TestCase(TestSquashfs.Xz)]
    [TestCase(TestSquashfs.Lz4)]
    public async Task ReadMetadataAsync_MountableCompression_Accepted(ushort compression)
    {
        var squashfs = TestSquashfs.Create(4096);
        TestSquashfs.Stamp(squashfs, compression: compression, bytesUsed: 4000);

        var metadata = await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(squashfs, "{}"u8.ToArray())));

        Assert.That(metadata.SquashfsLength, Is.EqualTo(4096), "padding after bytes_used is allowed");
    }

    [Test]
    public void ReadMetadataAsync_OnlyATrailer_ThrowsSquashfsException()
    {
        // The 38-byte file of the fault campaign: a valid trailer and nothing before it.
        var bytes = Build([], "{\"Cmd\":[\"/bin/sh\"]}"u8.ToArray());

        Assert.That(
            async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(bytes)),
            Throws.TypeOf<GvmiSquashfsException>().With.Message.EqualTo("The .gvmi file (stream) holds 0 bytes before its trailer; expected a squashfs image of at least 96 bytes (its superblock)."));
    }

    [Test]
    public void ReadMetadataAsync_NoMagicVersionOrBytesUsedBeyondTheTrailer_ThrowsSquashfsException()
    {
        var noMagic = new byte[4096];
        var version3 = TestSquashfs.Create(4096);
        TestSquashfs.Stamp(version3, major: 3, minor: 1);
        var overrun = TestSquashfs.Create(4096);
        TestSquashfs.Stamp(overrun, bytesUsed: 4097);

        Assert.That(async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(noMagic, "{}"u8.ToArray()))), Throws.TypeOf<GvmiSquashfsException>().With.Message.Contain("starts with bytes 00000000; expected a squashfs image, whose magic is 'hsqs'"));
        Assert.That(async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(version3, "{}"u8.ToArray()))), Throws.TypeOf<GvmiSquashfsException>().With.Message.Contain("is version 3.1; expected version 4.0"));
        Assert.That(async () => await GvmiFile.ReadMetadataAsync(new MemoryStream(Build(overrun, "{}"u8.ToArray()))), Throws.TypeOf<GvmiSquashfsException>().With.Message.Contain("uses 4097 bytes, but 4096 bytes come before the trailer"));
    }

    private static byte[] FakeSquashfs(int length)
    {
        return TestSquashfs.Create(length);
    }

    /// <summary>Builds a .gvmi by hand (independently of the writer) with any JSON payload and a correct CRC.</summary>
    private static byte[] Build(byte[] squashfs, byte[] json)
    {
        var result = new byte[squashfs.Length + 4 + json.Length + 8];
        squashfs.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(squashfs.Length), Crc32.HashToUInt32(json));
        json.CopyTo(result, squashfs.Length + 4);
        Encoding.ASCII.GetBytes(json.Length.ToString("D8"), result.AsSpan(result.Length - 8));
        return result;
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var read = base.Read(buffer);
            BytesRead += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var read = await base.ReadAsync(buffer, offset, count, cancellationToken);
            BytesRead += read;
            return read;
        }
    }

    /// <summary>A fresh directory for one test, deleted with everything in it on dispose.</summary>
    private sealed class TempDirectory : IDisposable
    {
        public string FullName { get; } = Directory.CreateTempSubdirectory("gvmi-tests-").FullName;

        public void Dispose() => Directory.Delete(FullName, recursive: true);
    }

    private sealed class UnseekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
