using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Golem.VmImages.Cli.Serving;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Cli;

public class ImageServerTests
{
    private string _directory = null!;
    private byte[] _content = null!;
    private ImageServer _server = null!;
    private HttpClient _client = null!;
    private IReadOnlyList<ServedImage> _images = null!;

    [SetUp]
    public async Task StartServer()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-serve-").FullName;
        _content = TestVectors.MessageStream(300_000);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "app.gvmi"), _content);
        await File.WriteAllTextAsync(Path.Combine(_directory, "notes.txt"), "not an image");
        _images = await ServedImageCatalog.LoadAsync([_directory], TextWriter.Null, CancellationToken.None);
        _server = await ImageServer.StartAsync(_images, IPAddress.Loopback, 0, CancellationToken.None);
        _client = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    [TearDown]
    public async Task StopServer()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void Catalog_Directory_ServesOnlyItsGvmiFilesWithTheirHashes()
    {
        Assert.That(_images.Select(i => i.Name), Is.EqualTo(new[] { "app.gvmi" }));
        Assert.That(_images[0].Hash, Is.EqualTo(ImageHasher.HashData(_content)));
        Assert.That(_server.BaseAddress.Host, Is.EqualTo("127.0.0.1"));
    }

    [Test]
    public async Task Catalog_SecondLoad_UsesTheSidecarUntilTheFileChanges()
    {
        var path = Path.Combine(_directory, "app.gvmi");
        var sidecar = HashSidecar.PathFor(path);
        Assert.That(File.Exists(sidecar), Is.True);

        var forged = ImageHash.OfEmptyInput;
        HashSidecar.TryWrite(path, _content.Length, File.GetLastWriteTimeUtc(path), forged);
        var cached = await ServedImageCatalog.LoadAsync([path], TextWriter.Null, CancellationToken.None);
        Assert.That(cached[0].Hash, Is.EqualTo(forged), "an unchanged file is not hashed again");

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
        var rehashed = await ServedImageCatalog.LoadAsync([path], TextWriter.Null, CancellationToken.None);
        Assert.That(rehashed[0].Hash, Is.EqualTo(ImageHasher.HashData(_content)), "a changed modification time invalidates the sidecar");
    }

    [Test]
    public async Task Get_WholeImage_HasStrongHashETagAndAcceptRanges()
    {
        using var response = await _client.GetAsync("app.gvmi");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content));
        Assert.That(response.Headers.ETag, Is.EqualTo(new EntityTagHeaderValue($"\"{_images[0].Hash}\"")));
        Assert.That(response.Headers.AcceptRanges, Does.Contain("bytes"));
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
    }

    [Test]
    public async Task Head_ReturnsHeadersOnly()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "app.gvmi"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(_content.Length));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task Range_WithMatchingIfRange_Returns206WithTheSlice()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.Range = new RangeHeaderValue(1000, null);
        request.Headers.IfRange = new RangeConditionHeaderValue(_images[0].EntityTag);
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(response.Content.Headers.ContentRange!.From, Is.EqualTo(1000));
        Assert.That(response.Content.Headers.ContentRange!.Length, Is.EqualTo(_content.Length));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content[1000..]));
    }

    [Test]
    public async Task Range_WithStaleIfRange_ReturnsTheWholeImage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.Range = new RangeHeaderValue(1000, null);
        request.Headers.IfRange = new RangeConditionHeaderValue("\"another-version\"");
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content));
    }

    [Test]
    public async Task Conditionals_IfNoneMatchGives304AndIfMatchMismatchGives412()
    {
        using var notModified = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        notModified.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(_images[0].EntityTag));
        using var failed = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        failed.Headers.IfMatch.Add(new EntityTagHeaderValue("\"another-version\""));

        Assert.That((await _client.SendAsync(notModified)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That((await _client.SendAsync(failed)).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
    }

    [TestCase("notes.txt")]
    [TestCase("..%2Fapp.gvmi")]
    [TestCase("%2E%2E/%2E%2E/etc/passwd")]
    [TestCase("sub/app.gvmi")]
    public async Task Get_AnythingButAServedImage_Is404(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Get_ImageChangedOnDisk_Is503RatherThanAStaleHash()
    {
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "app.gvmi"), DateTime.UtcNow.AddHours(-1));
        using var response = await _client.GetAsync("app.gvmi");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
    }

    [Test]
    public async Task Index_Json_ListsSizeHashAndTaskPackage()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/?format=json"));
        var image = document.RootElement.GetProperty("images")[0];
        var url = new Uri(_server.BaseAddress, "app.gvmi");
        Assert.That(image.GetProperty("size").GetInt64(), Is.EqualTo(_content.Length));
        Assert.That(image.GetProperty("sha3_224").GetString(), Is.EqualTo(_images[0].Hash.ToString()));
        Assert.That(image.GetProperty("task_package").GetString(), Is.EqualTo($"hash:sha3:{_images[0].Hash}:{url}"));
        Assert.That(TaskPackage.Parse(image.GetProperty("task_package").GetString()!).ImageHash, Is.EqualTo(_images[0].Hash));
    }

    [Test]
    public async Task Index_Html_ShowsTheTaskPackage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await _client.SendAsync(request);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain($"hash:sha3:{_images[0].Hash}:"));
    }

    [Test]
    public async Task Curl_ResumesAPartialDownloadToTheRightBytes()
    {
        var curl = new[] { "/usr/bin/curl", "/bin/curl" }.FirstOrDefault(File.Exists);
        if (curl is null)
        {
            Assert.Ignore("curl is not installed; the HttpClient tests above cover the same semantics.");
        }

        var target = Path.Combine(_directory, "download.part");
        await File.WriteAllBytesAsync(target, _content[..12345]);
        var start = new System.Diagnostics.ProcessStartInfo(curl, ["-sS", "-f", "-C", "-", "-o", target, new Uri(_server.BaseAddress, "app.gvmi").AbsoluteUri]);
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.WaitForExitAsync();

        Assert.That(process.ExitCode, Is.Zero);
        Assert.That(ImageHasher.HashData(await File.ReadAllBytesAsync(target)), Is.EqualTo(_images[0].Hash));
    }

    [Test]
    public void Catalog_DuplicateNames_AreRejected()
    {
        var other = Directory.CreateDirectory(Path.Combine(_directory, "other")).FullName;
        File.WriteAllBytes(Path.Combine(other, "app.gvmi"), [1]);
        Assert.That(
            async () => await ServedImageCatalog.LoadAsync([_directory, other], TextWriter.Null, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("share the file name 'app.gvmi'"));
    }
}
