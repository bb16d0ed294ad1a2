using System.Globalization;
using System.Net;
using Golem.VmImages.Publishing;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>
/// <see cref="ImagePublishOptions.HashStore"/> against the README's nginx: an unchanged file's hash comes from the
/// store (the file is not hashed and no body is sent), a hash computed is recorded, and a rewrite that puts the old
/// modification time back is hashed and uploaded again.
/// </summary>
[NonParallelizable]
[CancelAfter(120_000)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishHashStoreTests
{
    private PublishScratch _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new PublishScratch("gvmi-publish-store-");

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    [Test]
    public async Task PublishAsync_RemoteTarget_RecordsTheHashItComputed()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_scratch.Root, PublishServerConfigs.Nginx());
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", 1 << 20, seed: 71);

        var published = await PublishAsync(image, nginx);

        Assert.That(published.Outcome, Is.EqualTo(PublishOutcome.Uploaded));
        Assert.That(_scratch.Store.TryGet(image, out var remembered), Is.True);
        Assert.That(remembered, Is.EqualTo(await ImageHasher.HashFileAsync(image)));
    }

    [Test]
    public async Task PublishAsync_LocalTarget_RecordsTheHashComputedWhileCopying()
    {
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", 1 << 20, seed: 72);

        var published = await new ImagePublisher(_scratch.Http).PublishAsync(image, new LocalDirectoryPublishTarget(Path.Combine(_scratch.Root, "target")), new ImagePublishOptions { HashStore = _scratch.Store });

        Assert.That(_scratch.Store.TryGet(image, out var remembered) && remembered == published.ImageHash, Is.True);
    }

    [Test]
    public async Task PublishAsync_UnchangedFileRemembered_TakesTheHashFromTheStore_WithoutHashingOrSendingABody()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_scratch.Root, PublishServerConfigs.Nginx());
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", 3 << 20, seed: 73);

        // A hash the file does not have, remembered for it, with the image already at that hash's address: the
        // publish can only answer with it when the store was used and the file was not hashed.
        var remembered = ImageHash.OfEmptyInput;
        _scratch.Store.Record(image, remembered);
        Directory.CreateDirectory(nginx.FilePath("images"));
        File.Copy(image, nginx.FilePath($"images/{remembered}.gvmi"));

        var published = await PublishAsync(image, nginx);

        Assert.That(published.ImageHash, Is.EqualTo(remembered));
        Assert.That(published.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        var requests = PublishServerConfigs.Requests(nginx);
        Assert.That(requests.Select(r => r.Split(' ')[0]), Has.None.EqualTo("PUT").And.None.EqualTo("MOVE"), string.Join('\n', requests));
        Assert.That(requests.Select(r => long.Parse(r.Split(' ')[3], CultureInfo.InvariantCulture)), Has.All.LessThan(4096), "$request_length: no body was sent");
    }

    [Test]
    public async Task PublishAsync_RewrittenWithTheSameLengthAndModificationTime_IsHashedAndUploadedAgain()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_scratch.Root, PublishServerConfigs.Nginx());
        var image = await PublishTestImages.WriteAsync(_scratch.Root, "app.gvmi", 1 << 20, seed: 74);
        var first = await PublishAsync(image, nginx);
        await FileRewrite.SameLengthAndModificationTimeAsync(image, 5000);
        var rewritten = await ImageHasher.HashFileAsync(image);

        var second = await PublishAsync(image, nginx);

        Assert.That(rewritten, Is.Not.EqualTo(first.ImageHash));
        Assert.That((second.ImageHash, second.Outcome), Is.EqualTo((rewritten, PublishOutcome.Uploaded)));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EquivalentTo(new[] { first.ImageHash + ".gvmi", rewritten + ".gvmi" }));
        Assert.That(_scratch.Store.TryGet(image, out var remembered) && remembered == rewritten, Is.True);
    }

    private Task<PublishedImage> PublishAsync(string image, NginxServer nginx) =>
        new ImagePublisher(_scratch.Http).PublishAsync(
            image,
            new HttpPublishTarget(_scratch.Http, nginx.Url("images/"), new NetworkCredential(PublishServerConfigs.User, PublishServerConfigs.Password)),
            new ImagePublishOptions { HashStore = _scratch.Store });
}
