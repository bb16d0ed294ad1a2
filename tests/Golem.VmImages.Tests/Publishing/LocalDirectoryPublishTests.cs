using Golem.VmImages.Gvmi;
using Golem.VmImages.Publishing;

namespace Golem.VmImages.Tests.Publishing;

public sealed class LocalDirectoryPublishTests
{
    private string _root = null!;
    private string _target = null!;
    private HttpClient _http = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("gvmi-publish-").FullName;
        _target = Path.Combine(_root, "target");
        _http = new HttpClient();
    }

    [TearDown]
    public void TearDown()
    {
        _http.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task PublishAsync_NewImage_StoresItUnderItsContentAddressWithNothingElse()
    {
        var image = await PublishTestImages.WriteAsync(_root, "a.gvmi", 3 << 20, seed: 1);
        var publisher = new ImagePublisher(_http);

        var published = await publisher.PublishAsync(image, new LocalDirectoryPublishTarget(_target));

        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That(published.ImageHash, Is.EqualTo(hash));
        Assert.That(published.Key, Is.EqualTo(hash + ".gvmi"));
        Assert.That(published.Outcome, Is.EqualTo(PublishOutcome.Uploaded));
        Assert.That(PublishTestImages.FilesUnder(_target), Is.EqualTo(new[] { hash + ".gvmi" }));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_target, published.Key)), Is.EqualTo(await File.ReadAllBytesAsync(image)));
        Assert.That(published.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{hash}:{published.PublicUrl.OriginalString}"));
    }

    [Test]
    public async Task PublishAsync_SameImageAgain_IsAlreadyPublishedAndChangesNothing()
    {
        var image = await PublishTestImages.WriteAsync(_root, "a.gvmi", 1 << 20, seed: 2);
        var publisher = new ImagePublisher(_http);
        var first = await publisher.PublishAsync(image, new LocalDirectoryPublishTarget(_target));
        var stored = Path.Combine(_target, first.Key);
        var writtenAt = File.GetLastWriteTimeUtc(stored);

        var second = await publisher.PublishAsync(image, new LocalDirectoryPublishTarget(_target));

        Assert.That(second.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        Assert.That(File.GetLastWriteTimeUtc(stored), Is.EqualTo(writtenAt));
        Assert.That(PublishTestImages.FilesUnder(_target), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task PublishAsync_DifferentObjectAtKey_IsRefusedUnlessOverwrite()
    {
        var one = await PublishTestImages.WriteAsync(_root, "one.gvmi", 1 << 20, seed: 3);
        var two = await PublishTestImages.WriteAsync(_root, "two.gvmi", 1 << 20, seed: 4);
        var publisher = new ImagePublisher(_http);
        await publisher.PublishAsync(one, new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Key = "app/latest.gvmi" });

        var conflict = await Assert.ThrowsAsync<ImageKeyConflictException>(
            () => publisher.PublishAsync(two, new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Key = "app/latest.gvmi" }));
        Assert.That(conflict!.Key, Is.EqualTo("app/latest.gvmi"));
        Assert.That(conflict.ExistingHash, Is.EqualTo(await ImageHasher.HashFileAsync(one)));
        Assert.That(conflict.Message, Does.Contain("already holds a different object at 'app/latest.gvmi'"));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_target, "app", "latest.gvmi")), Is.EqualTo(await File.ReadAllBytesAsync(one)));
        Assert.That(PublishTestImages.FilesUnder(_target), Is.EqualTo(new[] { "app/latest.gvmi" }), "the staged copy is removed");

        var replaced = await publisher.PublishAsync(two, new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Key = "app/latest.gvmi", Overwrite = true });
        Assert.That(replaced.Outcome, Is.EqualTo(PublishOutcome.Replaced));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_target, "app", "latest.gvmi")), Is.EqualTo(await File.ReadAllBytesAsync(two)));
    }

    [Test]
    public async Task PublishAsync_NotAGvmiFile_FailsBeforeWritingAnything()
    {
        var path = Path.Combine(_root, "notes.txt");
        await File.WriteAllTextAsync(path, "not an image at all, just some text");

        await Assert.ThrowsAsync<GvmiLengthFieldException>(() => new ImagePublisher(_http).PublishAsync(path, new LocalDirectoryPublishTarget(_target)));
        Assert.That(Directory.Exists(_target), Is.False);

        var published = await new ImagePublisher(_http).PublishAsync(path, new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { ValidateImage = false });
        Assert.That(published.Length, Is.EqualTo(new FileInfo(path).Length));
    }

    [Test]
    public async Task PublishAsync_Cancelled_LeavesNoFileBehind()
    {
        var image = await PublishTestImages.WriteAsync(_root, "a.gvmi", 8 << 20, seed: 5);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(done =>
        {
            if (done > 2 << 20)
            {
                cancel.Cancel();
            }
        });

        await Assert.CatchAsync<OperationCanceledException>(
            () => new ImagePublisher(_http).PublishAsync(image, new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Progress = progress }, cancel.Token));
        Assert.That(PublishTestImages.FilesUnder(_target), Is.Empty);
    }

    [TestCase("")]
    [TestCase("/abs.gvmi")]
    [TestCase("a/../b.gvmi")]
    [TestCase("a//b.gvmi")]
    [TestCase("a\\b.gvmi")]
    public void PublishAsync_InvalidKey_ThrowsArgumentException(string key)
    {
        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => new ImagePublisher(_http).PublishAsync("x.gvmi", new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Key = key }));
    }

    [Test]
    public void PublishAsync_VerifyWithoutFetcher_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ImagePublisher(_http).PublishAsync("x.gvmi", new LocalDirectoryPublishTarget(_target), new ImagePublishOptions { Verify = true }));
        Assert.That(ex!.Message, Does.Contain("no image fetcher"));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
