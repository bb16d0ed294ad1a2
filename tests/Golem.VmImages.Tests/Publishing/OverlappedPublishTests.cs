using System.Net;
using Amazon.S3.Model;
using Golem.VmImages.Hashing;
using Golem.VmImages.Publishing;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>
/// A first publish with no hash known stages the upload while the file is hashed, and holds its last byte until the
/// key is checked; a trusted hash (computed or remembered) is not hashed again while sending, but the file must keep
/// its identity to the last byte. Against the README's nginx (with and without MOVE), Apache mod_dav and moto.
/// </summary>
[NonParallelizable]
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OverlappedPublishTests
{
    private const int ImageBytes = 8 << 20;

    private PublishScratch _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new PublishScratch("gvmi-publish-overlap-");

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    [TestCase("nginx")]
    [TestCase("apache")]
    public async Task PublishAsync_NothingKnown_StagesWhileHashing_AndCommitsTheImageUnderItsHash(string server)
    {
        await using var web = await WebDavAsync(server);
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", ImageBytes, seed: 81);
        var target = new RecordingTarget(web.Target(_scratch.Http));

        var published = await new ImagePublisher(_scratch.Http).PublishAsync(image, target, new ImagePublishOptions { HashStore = _scratch.Store });

        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That((published.ImageHash, published.Outcome), Is.EqualTo((hash, PublishOutcome.Uploaded)));
        Assert.That(target.Calls, Is.EqualTo(new[] { "stage", "get " + hash + ".gvmi", "commit" }), "the upload started before the hash was known, the key was checked before the commit");
        Assert.That(PublishTestImages.FilesUnder(web.Images), Is.EqualTo(new[] { hash + ".gvmi" }), "no stage is left");
        Assert.That(await ImageHasher.HashFileAsync(Path.Combine(web.Images, hash + ".gvmi")), Is.EqualTo(hash));
        Assert.That(_scratch.Store.TryGet(image, out var remembered) && remembered == hash, Is.True, "the hash computed is remembered");
    }

    [TestCase("nginx")]
    [TestCase("apache")]
    public async Task PublishAsync_NothingKnown_ImageAlreadyAtItsKey_DiscardsTheStage_AndChangesNothing(string server)
    {
        await using var web = await WebDavAsync(server);
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", ImageBytes, seed: 82);
        var hash = await ImageHasher.HashFileAsync(image);
        var existing = Path.Combine(web.Images, hash + ".gvmi");
        File.Copy(image, existing);
        var before = Identity(existing);
        var target = new RecordingTarget(web.Target(_scratch.Http));

        var published = await new ImagePublisher(_scratch.Http).PublishAsync(image, target, new ImagePublishOptions { HashStore = _scratch.Store });

        Assert.That(published.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        Assert.That(target.Calls, Is.EqualTo(new[] { "stage", "get " + hash + ".gvmi" }), "the stage was started, then dropped without a commit");
        Assert.That(() => PublishTestImages.FilesUnder(web.Images), Is.EqualTo(new[] { hash + ".gvmi" }).After(5000, 50), "no stage is left");
        Assert.That(Identity(existing), Is.EqualTo(before), "the object at the key was not touched");
    }

    [Test]
    public async Task PublishAsync_NothingKnown_DifferentObjectAtTheKey_IsAConflict_AndDiscardsTheStage()
    {
        await using var web = await WebDavAsync("nginx");
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", ImageBytes, seed: 83);
        var other = await PublishTestImages.WriteAsync(web.Images, "latest.gvmi", 1 << 20, seed: 84);
        var before = await File.ReadAllBytesAsync(other);

        var ex = await Assert.ThrowsAsync<ImageKeyConflictException>(() =>
            new ImagePublisher(_scratch.Http).PublishAsync(image, web.Target(_scratch.Http), new ImagePublishOptions { Key = "latest.gvmi" }));

        Assert.That(ex!.Key, Is.EqualTo("latest.gvmi"));
        Assert.That(PublishTestImages.FilesUnder(web.Images), Is.EqualTo(new[] { "latest.gvmi" }), "no stage is left");
        Assert.That(await File.ReadAllBytesAsync(other), Is.EqualTo(before));
    }

    [Test]
    public async Task PublishAsync_NothingKnown_S3_ImageAlreadyAtItsKey_AbortsTheStagedUpload()
    {
        await using var s3 = await S3PublishTests.MotoBucket.StartAsync();
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", ImageBytes, seed: 85);
        var first = await s3.PublishAsync(image);
        var stored = await s3.Client.GetObjectMetadataAsync(S3PublishTests.Bucket, first.Key);
        var target = new RecordingTarget(s3.Target);

        var again = await new ImagePublisher(s3.Anonymous).PublishAsync(image, target);

        Assert.That(again.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        Assert.That(target.Calls, Is.EqualTo(new[] { "stage", "get " + first.Key }));
        Assert.That((await s3.Client.GetObjectMetadataAsync(S3PublishTests.Bucket, first.Key)).LastModified, Is.EqualTo(stored.LastModified));
        var listing = await s3.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3PublishTests.Bucket });
        Assert.That(listing.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { first.Key }));
        Assert.That(() => s3.Client.ListMultipartUploadsAsync(S3PublishTests.Bucket).Result.MultipartUploads ?? [], Is.Empty.After(5000, 100), "the staged multipart upload was aborted");
    }

    [Test]
    public async Task PublishAsync_Remembered_SendsWithoutHashingAgain_ButAFileThatChangesIsRefusedAtTheLastByte(
        [Values(false, true)] bool putOnly, [Values(false, true)] bool remembered)
    {
        await using var web = await WebDavAsync(putOnly ? "nginx-put" : "nginx");
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", ImageBytes, seed: 86);
        var hash = await ImageHasher.HashFileAsync(image);
        if (remembered)
        {
            _scratch.Store.Record(image, hash);
        }

        // Halfway through the upload the file is written to: the bytes already sent are the hashed ones, but the file
        // is no longer the one hashed, so the upload must not complete.
        var changed = false;
        var progress = new SynchronousProgress(sent =>
        {
            if (!changed && sent >= ImageBytes / 2)
            {
                changed = true;
                using var file = new FileStream(image, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                file.Position = 16;
                file.WriteByte(0x5A);
            }
        });

        var ex = await Assert.ThrowsAsync<IOException>(() =>
            new ImagePublisher(_scratch.Http).PublishAsync(image, web.Target(_scratch.Http), new ImagePublishOptions { HashStore = _scratch.Store, Progress = progress }));

        Assert.That(changed, Is.True);
        Assert.That(ex!.Message, Does.Contain("changed while it was uploaded").And.Contain("nothing was published"));
        Assert.That(() => PublishTestImages.FilesUnder(web.Images), Is.Empty.After(5000, 50), "nothing under the key, no stage");
        Assert.That(_scratch.Store.TryGet(image, out _), Is.False, "the changed file has no remembered hash");
    }

    [Test]
    public async Task PublishAsync_UnwritableStore_StillPublishes()
    {
        await using var web = await WebDavAsync("nginx");
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", 1 << 20, seed: 87);
        var store = new FileHashStore("/proc/gvmi-no-store-here/hashes");

        var published = await new ImagePublisher(_scratch.Http).PublishAsync(image, web.Target(_scratch.Http), new ImagePublishOptions { HashStore = store });

        Assert.That(published.Outcome, Is.EqualTo(PublishOutcome.Uploaded));
        Assert.That(store.TryGet(image, out _), Is.False);
    }

    private static (long Length, DateTime Written, long Inode) Identity(string path)
    {
        var identity = FileRecord.Identify(path);
        return (identity.Length, new DateTime(identity.LastWriteTicks, DateTimeKind.Utc), (long)identity.Inode);
    }

    private async Task<WebDav> WebDavAsync(string server)
    {
        if (server == "apache")
        {
            var apache = await PublishServerConfigs.StartApacheAsync(_scratch.Root);
            return new WebDav(apache, apache.Url("images/"), Path.Combine(apache.Directory, "images"));
        }

        var nginx = await PublishServerConfigs.StartNginxAsync(_scratch.Root, server == "nginx-put" ? PublishServerConfigs.NginxPutOnly() : PublishServerConfigs.Nginx());
        Directory.CreateDirectory(nginx.FilePath("images"));
        File.SetUnixFileMode(nginx.FilePath("images"), (UnixFileMode)0b111_111_111);
        return new WebDav(nginx, nginx.Url("images/"), nginx.FilePath("images"));
    }

    /// <summary>A server started for the test, the URL images are published to and the directory they land in.</summary>
    private sealed record WebDav(IAsyncDisposable Server, Uri Url, string Images) : IAsyncDisposable
    {
        public HttpPublishTarget Target(HttpClient http) => new(http, Url, new NetworkCredential(PublishServerConfigs.User, PublishServerConfigs.Password));

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    /// <summary>A real target that records the order of the publisher's calls: staging, looking up a key, committing.</summary>
    private sealed class RecordingTarget(IImagePublishTarget inner) : IImagePublishTarget
    {
        private readonly List<string> _calls = [];

        public string[] Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public string DisplayName => inner.DisplayName;

        public bool IsRemote => inner.IsRemote;

        public Uri GetPublicUrl(string key) => inner.GetPublicUrl(key);

        public Task<PublishedObjectInfo?> GetObjectAsync(string key, CancellationToken cancellationToken = default)
        {
            Record("get " + key);
            return inner.GetObjectAsync(key, cancellationToken);
        }

        public Task<ImageHash> HashObjectAsync(string key, CancellationToken cancellationToken = default) => inner.HashObjectAsync(key, cancellationToken);

        public ValueTask<bool> SupportsStagingAsync(CancellationToken cancellationToken = default) => inner.SupportsStagingAsync(cancellationToken);

        public async Task<IStagedImage> StageAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken = default)
        {
            Record("stage");
            return new RecordingStaged(this, await inner.StageAsync(content, length, stagingName, cancellationToken));
        }

        public Task<IStagedImage> UploadInPlaceAsync(Stream content, long length, string key, bool overwrite, CancellationToken cancellationToken = default)
        {
            Record("put " + key);
            return inner.UploadInPlaceAsync(content, length, key, overwrite, cancellationToken);
        }

        private void Record(string call)
        {
            lock (_calls)
            {
                _calls.Add(call);
            }
        }

        private sealed class RecordingStaged(RecordingTarget owner, IStagedImage inner) : IStagedImage
        {
            public Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
            {
                owner.Record("commit");
                return inner.CommitAsync(key, hash, overwrite, cancellationToken);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
