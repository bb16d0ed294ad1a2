using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Golem.VmImages.Cli.Serving;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary>Which files <c>gvmi serve</c> serves while it runs: symbolic links, changed files, new and removed files.</summary>
[CancelAfter(90_000)]
public class ServeFilesTests
{
    private string _root = null!;
    private string _served = null!;
    private string _outside = null!;
    private ServeHarness? _serve;

    [SetUp]
    public void CreateFolders()
    {
        _root = Directory.CreateTempSubdirectory("gvmi-serve-files-").FullName;
        _served = Directory.CreateDirectory(Path.Combine(_root, "served")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
    }

    [TearDown]
    public async Task StopServer()
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task Symlink_ToAFileInsideTheServedFolder_ServedWithTheTargetsSizeTimeAndHash()
    {
        var target = await WriteImageAsync(Path.Combine(_served, "real", "v1.gvmi"), 70_000, seed: 1);
        File.CreateSymbolicLink(Path.Combine(_served, "app.gvmi"), Path.Combine("real", "v1.gvmi"));
        File.SetLastWriteTimeUtc(target.Path, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        _serve = await ServeHarness.StartAsync([_served, Path.Combine(_served, "real")]);
        using var client = _serve.Client();

        using var range = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        range.Headers.Range = new RangeHeaderValue(100, 199);
        using var response = await client.SendAsync(range);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(target.Content[100..200]));
        Assert.That(response.Content.Headers.ContentRange!.Length, Is.EqualTo(70_000));
        Assert.That(response.Headers.ETag!.Tag, Is.EqualTo($"\"{target.Hash}\""));
        Assert.That(response.Content.Headers.LastModified, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
    }

    [Test]
    public async Task Symlink_PointingOutsideTheServedFolders_NotServedNotListedAndReported()
    {
        await WriteImageAsync(Path.Combine(_served, "app.gvmi"), 1000, seed: 1);
        await WriteImageAsync(Path.Combine(_outside, "secret.gvmi"), 1000, seed: 2);
        File.CreateSymbolicLink(Path.Combine(_served, "leak.gvmi"), Path.Combine(_outside, "secret.gvmi"));
        File.CreateSymbolicLink(Path.Combine(_served, "passwd.gvmi"), "/etc/passwd");
        _serve = await ServeHarness.StartAsync([_served]);
        using var client = _serve.Client();

        foreach (var name in new[] { "leak.gvmi", "passwd.gvmi" })
        {
            using var get = await client.GetAsync(name);
            using var range = new HttpRequestMessage(HttpMethod.Get, name);
            range.Headers.Range = new RangeHeaderValue(0, 9);
            using var ranged = await client.SendAsync(range);
            Assert.That((get.StatusCode, ranged.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)), name);
        }

        Assert.That(_serve.Catalog.Images.Select(i => i.Name), Is.EqualTo(new[] { "app.gvmi" }));
        Assert.That(_serve.Errors.Lines, Has.Some.Contains("leak.gvmi").And.Contains("outside the served folders"));
    }

    [Test]
    public async Task Symlink_Retargeted_ServedWithTheNewTargetsHash()
    {
        var v1 = await WriteImageAsync(Path.Combine(_served, "v1.gvmi"), 5000, seed: 1);
        var v2 = await WriteImageAsync(Path.Combine(_served, "v2.gvmi"), 6000, seed: 2);
        var link = Path.Combine(_served, "latest.gvmi");
        File.CreateSymbolicLink(link, "v1.gvmi");
        _serve = await ServeHarness.StartAsync([_served]);
        using var client = _serve.Client();
        using (var before = await client.GetAsync("latest.gvmi"))
        {
            Assert.That(before.Headers.ETag!.Tag, Is.EqualTo($"\"{v1.Hash}\""));
        }

        File.Delete(link);
        File.CreateSymbolicLink(link, "v2.gvmi");
        using var after = await client.GetAsync("latest.gvmi");

        Assert.That(after.Headers.ETag!.Tag, Is.EqualTo($"\"{v2.Hash}\""));
        Assert.That(await after.Content.ReadAsByteArrayAsync(), Is.EqualTo(v2.Content));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task RewrittenWithTheOldModificationTimePutBack_RehashedBeforeItIsServedAgain_NeverUnderTheOldETag()
    {
        var (path, v1) = await ServeOneImageAsync();
        using var client = _serve!.Client();

        // Different bytes, the same length, and the old modification time put back with File.SetLastWriteTimeUtc.
        await FileRewrite.SameLengthAndModificationTimeAsync(path, 20_000);
        var v2 = await File.ReadAllBytesAsync(path);
        var v2Hash = ImageHasher.HashData(v2);
        Assert.That(v2, Has.Length.EqualTo(v1.Content.Length));
        Assert.That(v2Hash, Is.Not.EqualTo(v1.Hash));

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "app.gvmi"));
        using var stale = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        stale.Headers.Range = new RangeHeaderValue(19_990, 20_009);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{v1.Hash}\""));
        using var ranged = await client.SendAsync(stale);
        using var get = await client.GetAsync("app.gvmi");

        Assert.That(head.Headers.ETag!.Tag, Is.EqualTo($"\"{v2Hash}\""));
        Assert.That(ranged.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a range asked for under the old ETag is answered with the whole new image");
        Assert.That(ranged.Headers.ETag!.Tag, Is.EqualTo($"\"{v2Hash}\""));
        Assert.That(await ranged.Content.ReadAsByteArrayAsync(), Is.EqualTo(v2));
        Assert.That(get.Headers.ETag!.Tag, Is.EqualTo($"\"{v2Hash}\""));
        Assert.That(await get.Content.ReadAsByteArrayAsync(), Is.EqualTo(v2));
        Assert.That(_serve.Catalog.Images.Single().Hash, Is.EqualTo(v2Hash), "the index lists the new hash too");
    }

    [Test]
    public async Task ChangedFile_RehashedBeforeItIsServedAgain_NeverUnderTheOldETag()
    {
        var (path, v1) = await ServeOneImageAsync();
        using var client = _serve!.Client();

        var v2 = await WriteImageAsync(path, 40_000, seed: 2);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "app.gvmi"));
        using var get = await client.GetAsync("app.gvmi");

        Assert.That(head.Headers.ETag!.Tag, Is.EqualTo($"\"{v2.Hash}\""));
        Assert.That(get.Headers.ETag!.Tag, Is.EqualTo($"\"{v2.Hash}\""));
        Assert.That(await get.Content.ReadAsByteArrayAsync(), Is.EqualTo(v2.Content));
        Assert.That(_serve.Catalog.Images.Single().Hash, Is.EqualTo(v2.Hash), "the index lists the new hash too");
        Assert.That(_serve.Errors.Lines, Has.Some.Contains($"app.gvmi changed on disk; now served with its new hash {v2.Hash}"));
    }

    [Test]
    public async Task NewAndRemovedFiles_PickedUpWhileRunning_HashedOnce()
    {
        await WriteImageAsync(Path.Combine(_served, "old.gvmi"), 1000, seed: 1);
        _serve = await ServeHarness.StartAsync([_served], new ServeOptions { Port = 0, RescanInterval = TimeSpan.FromMilliseconds(200) });
        using var client = _serve.Client();

        var added = await WriteImageAsync(Path.Combine(_served, "new.gvmi"), 3000, seed: 2);
        var alsoAdded = await WriteImageAsync(Path.Combine(_served, "other.gvmi"), 3000, seed: 3);
        File.Delete(Path.Combine(_served, "old.gvmi"));
        await ServeHarness.WaitForAsync(() => IndexNames(client).SequenceEqual(["new.gvmi", "other.gvmi"]));
        using var get = await client.GetAsync("new.gvmi");
        using var gone = await client.GetAsync("old.gvmi");

        Assert.That(get.Headers.ETag!.Tag, Is.EqualTo($"\"{added.Hash}\""));
        Assert.That(_serve.Catalog.Images.Single(i => i.Name == "other.gvmi").Hash, Is.EqualTo(alsoAdded.Hash));
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(_serve.Errors.Lines.Count(l => l.StartsWith("gvmi serve: serving new.gvmi ", StringComparison.Ordinal)), Is.EqualTo(1), "hashed and announced once");
        Assert.That(new FileHashStore(FileHashStore.DefaultDirectory).TryGet(Path.Combine(_served, "new.gvmi"), out _), Is.True, "the hash is remembered in the store");
        Assert.That(_serve.Errors.Lines, Has.Some.EqualTo("gvmi serve: old.gvmi is gone from disk; no longer served."));
    }

    [Test]
    public async Task NewFile_RequestedBeforeTheNextRescan_HashedAndServedAtOnce()
    {
        await WriteImageAsync(Path.Combine(_served, "old.gvmi"), 1000, seed: 1);
        _serve = await ServeHarness.StartAsync([_served], new ServeOptions { Port = 0, RescanInterval = TimeSpan.FromHours(1) });
        using var client = _serve.Client();

        var added = await WriteImageAsync(Path.Combine(_served, "new.gvmi"), 3000, seed: 2);
        using var get = await client.GetAsync("new.gvmi");

        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(get.Headers.ETag!.Tag, Is.EqualTo($"\"{added.Hash}\""));
    }

    /// <summary>Serves <c>app.gvmi</c> (40,000 bytes) with the periodic rescan off, and checks it is served under its hash.</summary>
    private async Task<(string Path, (string Path, byte[] Content, ImageHash Hash) Image)> ServeOneImageAsync()
    {
        var path = Path.Combine(_served, "app.gvmi");
        var image = await WriteImageAsync(path, 40_000, seed: 1);
        _serve = await ServeHarness.StartAsync([_served], new ServeOptions { Port = 0, RescanInterval = TimeSpan.FromHours(1) });
        using var client = _serve.Client();
        using var before = await client.GetAsync("app.gvmi");
        Assert.That(before.Headers.ETag!.Tag, Is.EqualTo($"\"{image.Hash}\""));
        return (path, image);
    }

    private static List<string> IndexNames(HttpClient client)
    {
        using var document = JsonDocument.Parse(client.GetStringAsync("/?format=json").GetAwaiter().GetResult());
        return document.RootElement.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
    }

    private static async Task<(string Path, byte[] Content, ImageHash Hash)> WriteImageAsync(string path, int size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        await File.WriteAllBytesAsync(path, content);
        return (path, content, ImageHasher.HashData(content));
    }
}
