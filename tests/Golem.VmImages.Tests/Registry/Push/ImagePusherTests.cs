using System.Net;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Tests.Registry.Push;

/// <summary><see cref="ImagePusher"/> against the in-process <see cref="FakeRegistry"/>, with its faults.</summary>
public sealed class ImagePusherTests
{
    private const long ChunkSize = 512 * 1024;

    private FakeRegistry _registry = null!;
    private HttpClient _client = null!;
    private string _directory = null!;
    private string _image = null!;
    private byte[] _bytes = null!;

    [SetUp]
    public async Task SetUp()
    {
        _registry = await FakeRegistry.StartAsync();
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        _directory = Directory.CreateTempSubdirectory("gvmi-push-").FullName;
        _image = await CreateImageAsync(_directory, (5 * ChunkSize) + 4321);
        _bytes = await File.ReadAllBytesAsync(_image);
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _registry.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A valid .gvmi: the squashfs magic, random bytes, and the trailer.</summary>
    internal static async Task<string> CreateImageAsync(string directory, long approximateSize, int seed = 7)
    {
        var squashfs = new byte[approximateSize];
        new Random(seed).NextBytes(squashfs);
        Golem.VmImages.Tests.Gvmi.TestSquashfs.Stamp(squashfs);
        var path = Path.Combine(directory, "image.gvmi");
        await using var destination = File.Create(path);
        await GvmiFile.WriteAsync(new MemoryStream(squashfs), new GvmiContainerConfig { Cmd = ["/bin/app"] }, destination);
        return path;
    }

    [Test]
    public async Task PushAsync_Anonymous_SendsEveryChunkOnceAndResolvesByHash()
    {
        var result = await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize });

        var expectedHash = Convert.ToHexStringLower(FakeRegistry.Sha3_224(_bytes));
        Assert.Multiple(() =>
        {
            Assert.That(result.ImageHash.ToString(), Is.EqualTo(expectedHash));
            Assert.That(result.Descriptor.Bytes.ToArray(), Is.EqualTo(ImageDescriptorTests.Golden(_bytes, ChunkSize)));
            Assert.That(_registry.Assembled(result.Descriptor.Sha256), Is.EqualTo(_bytes));
            Assert.That(_registry.ChunksAccepted, Is.EquivalentTo(Enumerable.Range(0, 6)));
            Assert.That(_registry.ChunkRequestCount, Is.EqualTo(6));
            Assert.That(result.ChunksUploaded, Is.EqualTo(6));
            Assert.That(result.Tag, Is.Null);
            Assert.That(_registry.Log, Has.None.StartsWith("POST /auth").And.None.Contains("/attach/"));
            Assert.That(_registry.Log, Has.Some.EqualTo($"GET /v1/image/info?hash={expectedHash}&dev=true"));
            Assert.That(result.Package.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{expectedHash}:{_registry.BaseAddress.AbsoluteUri}download/{result.Descriptor.Sha256}"));
            Assert.That(result.DescriptorDownloadUrl.AbsoluteUri, Is.EqualTo($"{_registry.BaseAddress.AbsoluteUri}download/{result.Descriptor.Sha256}"));
        });
    }

    [Test]
    public async Task PushAsync_Tagged_LogsInChecksTheTagBeforeChunksThenAttachesAndResolvesTheTag()
    {
        var result = await Pusher().PushAsync(_image, Tagged("alice/app"));

        var log = _registry.Log.Select(line => line.Split('?')[0]).ToList();
        var firstChunk = log.IndexOf("POST /v1/image/push/chunk");
        var attachments = _registry.Attachments.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Tag, Is.EqualTo("alice/app:latest"));
            Assert.That(log[0], Is.EqualTo("POST /auth/pat/login"));
            Assert.That(log.IndexOf("POST /v1/image/push/descr"), Is.LessThan(firstChunk));
            Assert.That(log.IndexOf($"POST /v1/image/descr/attach/{result.Descriptor.Sha256}"), Is.GreaterThan(0).And.LessThan(firstChunk));
            Assert.That(log.LastIndexOf($"POST /v1/image/descr/attach/{result.Descriptor.Sha256}"), Is.GreaterThan(log.LastIndexOf("POST /v1/image/push/chunk")));
            Assert.That(attachments, Has.Count.EqualTo(2));
            Assert.That(attachments[0]["check"], Is.EqualTo("true"));
            Assert.That(attachments[1].ContainsKey("check"), Is.False);
            Assert.That(attachments[1]["tag"], Is.EqualTo("latest"));
            Assert.That(attachments[1]["username"], Is.EqualTo("alice"));
            Assert.That(attachments[1]["repository"], Is.EqualTo("app"));
            Assert.That(attachments[1]["login"], Is.EqualTo(_registry.User));
            Assert.That(_registry.Log, Has.Some.EqualTo("GET /v1/image/info?tag=alice%2Fapp%3Alatest&dev=true"));
            Assert.That(_registry.Assembled(result.Descriptor.Sha256), Is.EqualTo(_bytes));
        });
    }

    [Test]
    public async Task PushAsync_Login401_FailsBeforeAnythingIsSentWithoutTheToken()
    {
        _registry.LoginStatus = 401;

        var ex = await Assert.ThrowsAsync<ImageRegistryAuthorizationException>(() => Pusher().PushAsync(_image, Tagged("alice/app:v1")));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(ex.Message, Does.Contain("rejected the login").And.Contain("Invalid personal access token"));
            Assert.That(ex.Message + ex.BodyExcerpt, Does.Not.Contain(_registry.Token));
            Assert.That(_registry.Log, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task PushAsync_AttachCheck403_FailsWithoutSendingAChunk()
    {
        _registry.AttachCheckStatus = 403;

        var ex = await Assert.ThrowsAsync<ImageRegistryAuthorizationException>(() => Pusher().PushAsync(_image, Tagged("alice/app:v1")));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(ex.Message, Does.Contain("'alice/app:v1'").And.Contain("cannot push to alice/app"));
            Assert.That(_registry.ChunkRequestCount, Is.Zero);
        });
    }

    [Test]
    public async Task PushAsync_RepositoryNotTheUsers_FailsAtTheCheckWithoutSendingAChunk()
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryAuthorizationException>(() => Pusher().PushAsync(_image, Tagged("bob/other:1")));

        Assert.That(ex!.Message, Does.Contain("bob/other does not exist or is not yours"));
        Assert.That(_registry.ChunkRequestCount, Is.Zero);
    }

    [TestCase(503)]
    [TestCase(429)]
    [TestCase(500)]
    [TestCase(408)]
    [TestCase(0)]
    public async Task PushAsync_ChunkFailsTransientlyThenSucceeds_RetriesThatChunk(int status)
    {
        _registry.FailChunk(2, times: 2, status);

        var result = await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize });

        Assert.Multiple(() =>
        {
            Assert.That(_registry.ChunkRequests(2), Is.EqualTo(3));
            Assert.That(_registry.ChunkRequests(3), Is.EqualTo(1));
            Assert.That(_registry.Assembled(result.Descriptor.Sha256), Is.EqualTo(_bytes));
        });
    }

    [Test]
    public async Task PushAsync_ChunkKeepsFailing_GivesUpAfterTheRetries()
    {
        _registry.FailChunk(1, times: 100);

        var ex = await Assert.ThrowsAsync<ImageRegistryStatusException>(() => Pusher(o => o.MaxRetryAttempts = 2).PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize }));

        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(ex.Message, Does.Contain("chunk 1").And.Contain("in each of 3 attempt(s)").And.Contain("registry busy"));
        Assert.That(_registry.ChunkRequests(1), Is.EqualTo(3));
    }

    [Test]
    public async Task PushAsync_ChunkHashMismatch_FailsAtOnceWithTheRegistrysMessage()
    {
        _registry.CorruptChunk = 3;

        var ex = await Assert.ThrowsAsync<ImageRegistryStatusException>(() => Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(ex.Message, Does.Contain("refused chunk 3").And.Contain("chunk 3: sha256 mismatch"));
            Assert.That(_registry.ChunkRequests(3), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task PushAsync_PartialBitmap_SendsOnlyTheMissingChunks()
    {
        var descriptor = await ImageDescriptor.ComputeAsync(_image, ChunkSize);
        _registry.Seed(descriptor.Bytes.Span, _bytes, [0, 2, 3]);

        var result = await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize });

        Assert.Multiple(() =>
        {
            Assert.That(_registry.ChunksAccepted, Is.EquivalentTo(new[] { 1, 4, 5 }));
            Assert.That(_registry.ChunkRequestCount, Is.EqualTo(3));
            Assert.That(result.ChunksUploaded, Is.EqualTo(3));
            Assert.That(_registry.Log, Has.None.EqualTo("POST /v1/image/push/descr"));
            Assert.That(_registry.Assembled(result.Descriptor.Sha256), Is.EqualTo(_bytes));
        });
    }

    [Test]
    public async Task PushAsync_CancelledMidway_ARerunSendsOnlyWhatIsMissing()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new Reports(report =>
        {
            if (report is { Phase: ImagePushPhase.Uploading, ChunksDone: >= 2 })
            {
                cancel.Cancel();
            }
        });

        Assert.That(
            () => Pusher(o => o.MaxParallelUploads = 1).PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize, Progress = progress }, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        var firstRun = _registry.ChunksAccepted.ToList();

        var result = await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize });

        Assert.Multiple(() =>
        {
            Assert.That(firstRun, Has.Count.InRange(2, 5));
            Assert.That(result.ChunksUploaded, Is.EqualTo(6 - firstRun.Count));
            Assert.That(_registry.ChunksAccepted, Is.EquivalentTo(Enumerable.Range(0, 6)));
            Assert.That(_registry.Assembled(result.Descriptor.Sha256), Is.EqualTo(_bytes));
        });
    }

    [Test]
    public async Task PushAsync_RegistryAlreadyHasTheImage_SendsNoChunkAndAttaches()
    {
        await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize });
        var chunksBefore = _registry.ChunkRequestCount;

        var result = await Pusher().PushAsync(_image, Tagged("alice/app:v2"));

        Assert.That(_registry.ChunkRequestCount, Is.EqualTo(chunksBefore));
        Assert.That(result.ChunksUploaded, Is.Zero);
        Assert.That(result.Tag, Is.EqualTo("alice/app:v2"));
        Assert.That(_registry.Attachments.Select(a => a.ContainsKey("check")), Is.EqualTo(new[] { false }));
    }

    [Test]
    public async Task PushAsync_NeverComplete_StopsAfterTheBoundedWait()
    {
        _registry.PollsBeforeFull = int.MaxValue;

        var ex = await Assert.ThrowsAsync<ImageUploadIncompleteException>(() => Pusher(o =>
        {
            o.CompletionTimeout = TimeSpan.FromMilliseconds(300);
            o.CompletionPollInterval = TimeSpan.FromMilliseconds(50);
        }).PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize }));

        var polls = _registry.Log.Count(line => line.StartsWith("GET /v1/image/descr/", StringComparison.Ordinal)) - 2;
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("did not report image").And.Contain("within 00:00:00.3").And.Contain("Run the push again"));
            Assert.That(ex.MissingChunks, Is.Zero);
            Assert.That(polls, Is.GreaterThanOrEqualTo(2));
            Assert.That(_registry.Log, Has.None.StartsWith("GET /v1/image/info"));
        });
    }

    [Test]
    public async Task PushAsync_RegistryResolvesAnotherHash_Fails()
    {
        _registry.InfoSha3Override = new string('a', 56);

        var ex = await Assert.ThrowsAsync<ImageRegistryResponseException>(() => Pusher().PushAsync(_image, Tagged("alice/app:v1")));

        Assert.That(ex!.Message, Does.Contain("resolves the tag 'alice/app:v1' to image aaaa").And.Contain("expected the pushed image"));
    }

    [Test]
    public void PushAsync_TaggedToHttpRegistryWithoutAllowInsecure_IsRefusedBeforeAnyRequest()
    {
        var options = Tagged("alice/app:v1");
        options.AllowInsecureHttp = false;

        var ex = Assert.Throws<ArgumentException>(() => Pusher().PushAsync(_image, options));

        Assert.That(ex!.Message, Does.Contain("plain http").And.Contain("AllowInsecureHttp"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task PushAsync_TooManyChunks_SuggestsAChunkSizeBeforeAnyRequest()
    {
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Pusher(o => o.MaxChunks = 4).PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize }));

        Assert.That(ex!.Message, Does.Contain("makes 6 chunks of 524288 bytes; the registry accepts at most 4").And.Contain("at least 1048576 bytes"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task PushAsync_NotAGvmi_FailsBeforeAnyRequest()
    {
        var path = Path.Combine(_directory, "not.gvmi");
        await File.WriteAllBytesAsync(path, new byte[4096]);

        Assert.That(() => Pusher().PushAsync(path), Throws.InstanceOf<GvmiFormatException>());
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public void PushAsync_BadTagOrCredentials_ThrowArgumentException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Pusher().PushAsync(_image, new ImagePushOptions { Tag = "no-slash", Credentials = Credentials(), AllowInsecureHttp = true }), Throws.ArgumentException.With.Message.Contains("user/repository[:tag]"));
            Assert.That(() => Pusher().PushAsync(_image, new ImagePushOptions { Tag = "a/b:c d", Credentials = Credentials(), AllowInsecureHttp = true }), Throws.ArgumentException);
            Assert.That(() => Pusher().PushAsync(_image, new ImagePushOptions { Tag = "alice/app" }), Throws.ArgumentException.With.Message.Contains("needs registry credentials"));
            Assert.That(() => Pusher().PushAsync(_image, new ImagePushOptions { Credentials = Credentials() }), Throws.ArgumentException.With.Message.Contains("anonymous push"));
            Assert.That(() => new RegistryCredentials("alice", " "), Throws.ArgumentException);
            Assert.That(Credentials().ToString(), Does.Not.Contain(_registry.Token));
        });
    }

    [Test]
    public async Task PushAsync_Progress_ReportsEachPhaseAndEveryByteSent()
    {
        _registry.FailChunk(4, times: 1, status: 0);
        var reports = new List<ImagePushProgress>();
        var progress = new Reports(report =>
        {
            lock (reports)
            {
                reports.Add(report);
            }
        });

        await Pusher().PushAsync(_image, new ImagePushOptions { ChunkSize = ChunkSize, Tag = "alice/app:v1", Credentials = Credentials(), AllowInsecureHttp = true, Progress = progress });

        var uploading = reports.Where(r => r.Phase == ImagePushPhase.Uploading).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(reports.Select(r => r.Phase).Distinct(), Is.EqualTo(Enum.GetValues<ImagePushPhase>()));
            Assert.That(reports.First(r => r.Phase == ImagePushPhase.Hashing).TotalBytes, Is.EqualTo(_bytes.Length));
            Assert.That(uploading.Max(r => r.BytesDone), Is.EqualTo(_bytes.Length));
            Assert.That(uploading.Max(r => r.ChunksDone), Is.EqualTo(6));
            Assert.That(uploading[^1].TotalBytes, Is.EqualTo(_bytes.Length));
            Assert.That(uploading.All(r => r.BytesDone <= r.TotalBytes), Is.True);
        });
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task PushAsync_AgainWithTheDescriptorCache_DoesNotReadTheUnchangedFile_AndHashesItOnceChanged()
    {
        var image = await CreateImageAsync(Directory.CreateDirectory(Path.Combine(_directory, "big")).FullName, 24 << 20);
        var cache = Path.Combine(_directory, "descriptors");
        var pusher = Pusher(options => options.DescriptorCacheDirectory = cache);
        var first = await pusher.PushAsync(image, new ImagePushOptions { ValidateImage = false });

        // The registry has every chunk now, so the second push uploads nothing: whatever the process reads from
        // files (the kernel's count of read and pread bytes) would be the hashing pass.
        var hashing = new List<ImagePushProgress>();
        var readBefore = BytesReadByThisProcess();
        var second = await pusher.PushAsync(image, new ImagePushOptions { ValidateImage = false, Progress = new Reports(r => { if (r.Phase == ImagePushPhase.Hashing) { lock (hashing) { hashing.Add(r); } } }) });
        var readDuring = BytesReadByThisProcess() - readBefore;

        File.SetLastWriteTimeUtc(image, File.GetLastWriteTimeUtc(image).AddSeconds(1)); // touched: same bytes, new time
        var touched = await pusher.PushAsync(image, new ImagePushOptions { ValidateImage = false });

        Assert.Multiple(() =>
        {
            Assert.That(first.DescriptorFromCache, Is.False);
            Assert.That(Directory.GetFiles(cache), Has.Length.EqualTo(1));
            Assert.That(second.DescriptorFromCache, Is.True);
            Assert.That(second.Descriptor.Bytes.ToArray(), Is.EqualTo(first.Descriptor.Bytes.ToArray()));
            Assert.That(second.ChunksUploaded, Is.Zero);
            Assert.That(hashing, Is.Empty, "no hashing phase on the second push");
            Assert.That(readDuring, Is.LessThan(new FileInfo(image).Length / 4), "the second push read the file");
            Assert.That(touched.DescriptorFromCache, Is.False, "a touched file is hashed again");
            Assert.That(touched.Descriptor.Bytes.ToArray(), Is.EqualTo(first.Descriptor.Bytes.ToArray()));
        });
    }

    private static long BytesReadByThisProcess() =>
        long.Parse(File.ReadAllLines("/proc/self/io").Single(line => line.StartsWith("rchar:", StringComparison.Ordinal))["rchar:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private ImagePusher Pusher(Action<ImagePusherOptions>? configure = null)
    {
        var options = new ImagePusherOptions
        {
            RetryDelay = TimeSpan.FromMilliseconds(10),
            CompletionPollInterval = TimeSpan.FromMilliseconds(20),
            CompletionTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        return ImagePusher.Create(_client, new ImageRegistryOptions { BaseAddress = _registry.BaseAddress }, options);
    }

    private RegistryCredentials Credentials() => new(_registry.User, _registry.Token);

    private ImagePushOptions Tagged(string tag) =>
        new() { Tag = tag, Credentials = Credentials(), AllowInsecureHttp = true, ChunkSize = ChunkSize };

    private sealed class Reports(Action<ImagePushProgress> report) : IProgress<ImagePushProgress>
    {
        public void Report(ImagePushProgress value) => report(value);
    }
}
