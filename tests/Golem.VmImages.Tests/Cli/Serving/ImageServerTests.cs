using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Golem.VmImages.Cli.Serving;
using Golem.VmImages.Tests.Hashing;
using Microsoft.AspNetCore.WebUtilities;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary><c>gvmi serve</c>'s HTTP behaviour over real HTTP on 127.0.0.1: validators, preconditions, Range, HEAD, HTTP/1.0, the index.</summary>
[CancelAfter(60_000)]
public class ImageServerTests
{
    private string _directory = null!;
    private byte[] _content = null!;
    private ServeHarness _serve = null!;
    private HttpClient _client = null!;
    private ServedImage _image = null!;

    [SetUp]
    public async Task StartServer()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-serve-").FullName;
        _content = TestVectors.MessageStream(300_000);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "app.gvmi"), _content);
        await File.WriteAllTextAsync(Path.Combine(_directory, "notes.txt"), "not an image");
        _serve = await ServeHarness.StartAsync([_directory]);
        _client = _serve.Client();
        _image = _serve.Catalog.Images.Single();
    }

    [TearDown]
    public async Task StopServer()
    {
        _client.Dispose();
        await _serve.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void Catalog_Directory_ServesOnlyItsGvmiFilesWithTheirHashes()
    {
        Assert.That(_serve.Catalog.Images.Select(i => i.Name), Is.EqualTo(new[] { "app.gvmi" }));
        Assert.That(_image.Hash, Is.EqualTo(ImageHasher.HashData(_content)));
        Assert.That(_serve.Server.BaseAddress.Host, Is.EqualTo("127.0.0.1"));
    }

    [Test]
    public async Task Catalog_SecondLoad_UsesTheHashStoreUntilTheFileChanges()
    {
        var path = Path.Combine(_directory, "app.gvmi");
        var store = new FileHashStore(FileHashStore.DefaultDirectory);
        Assert.That(store.TryGet(path, out var stored) && stored == ImageHasher.HashData(_content), Is.True, "the first load remembered the hash");

        var forged = ImageHash.OfEmptyInput;
        store.Record(path, forged);
        using (var cached = await ServedImageCatalog.OpenAsync([path], TextWriter.Null, CancellationToken.None))
        {
            Assert.That(cached.Images[0].Hash, Is.EqualTo(forged), "an unchanged file is not hashed again");
        }

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
        using var rehashed = await ServedImageCatalog.OpenAsync([path], TextWriter.Null, CancellationToken.None);
        Assert.That(rehashed.Images[0].Hash, Is.EqualTo(ImageHasher.HashData(_content)), "a changed modification time invalidates the record");
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Catalog_SecondLoad_AfterARewriteWithTheOldModificationTime_HashesAgain()
    {
        var path = Path.Combine(_directory, "app.gvmi");
        await FileRewrite.SameLengthAndModificationTimeAsync(path, 100);
        var rewritten = ImageHasher.HashData(await File.ReadAllBytesAsync(path));

        using var catalog = await ServedImageCatalog.OpenAsync([path], TextWriter.Null, CancellationToken.None);

        Assert.That(rewritten, Is.Not.EqualTo(_image.Hash));
        Assert.That(catalog.Images[0].Hash, Is.EqualTo(rewritten), "a size-and-mtime key would have kept the old hash, the strong ETag");
    }

    [Test]
    public async Task Get_WholeImage_HasStrongHashETagAndAcceptRanges()
    {
        using var response = await _client.GetAsync("app.gvmi");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content));
        Assert.That(response.Headers.ETag, Is.EqualTo(new EntityTagHeaderValue($"\"{_image.Hash}\"")));
        Assert.That(response.Headers.AcceptRanges, Does.Contain("bytes"));
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
    }

    [TestCase("/")]
    [TestCase("/?format=json")]
    [TestCase("/app.gvmi")]
    [TestCase("/missing.gvmi")]
    public async Task Head_OnEveryGetRoute_SameStatusAndHeadersWithoutABody(string path)
    {
        using var get = await _client.GetAsync(path);
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.That(head.StatusCode, Is.EqualTo(get.StatusCode));
        Assert.That(head.Content.Headers.ContentLength, Is.EqualTo((await get.Content.ReadAsByteArrayAsync()).Length));
        Assert.That(head.Content.Headers.ContentType, Is.EqualTo(get.Content.Headers.ContentType));
        Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task OtherMethods_Get405WithAllow()
    {
        using var response = await _client.PostAsync("app.gvmi", new ByteArrayContent([]));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "GET", "HEAD" }));
    }

    [Test]
    public async Task Http10_WithoutHost_IndexAndImageAreAnswered()
    {
        var index = await _serve.RawAsync("GET / HTTP/1.0\r\n\r\n");
        var image = await _serve.RawAsync("GET /app.gvmi HTTP/1.0\r\n\r\n");
        var head = await _serve.RawAsync("HEAD /app.gvmi HTTP/1.0\r\n\r\n");

        Assert.That(index, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(index, Does.Contain($"hash:sha3:{_image.Hash}:{_serve.Server.BaseAddress}app.gvmi"));
        Assert.That(image, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(image.Length - image.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4, Is.EqualTo(_content.Length));
        Assert.That(head, Does.StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Accept-Ranges: bytes\r\n").And.EndsWith("\r\n\r\n"));
    }

    [Test]
    public async Task Range_WithMatchingIfRange_Returns206WithTheSlice()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.Range = new RangeHeaderValue(1000, null);
        request.Headers.IfRange = new RangeConditionHeaderValue(_image.EntityTag);
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(response.Content.Headers.ContentRange!.From, Is.EqualTo(1000));
        Assert.That(response.Content.Headers.ContentRange!.Length, Is.EqualTo(_content.Length));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content[1000..]));
    }

    [Test]
    public async Task Range_SuffixAndMatchingLastModifiedIfRange_Returns206()
    {
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "app.gvmi"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.TryAddWithoutValidation("Range", "bytes=-500");
        request.Headers.TryAddWithoutValidation("If-Range", head.Content.Headers.GetValues("Last-Modified").Single());
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content[^500..]));
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

    [TestCase("items=0-1", null, TestName = "Range_UnknownUnit_IgnoredWith200")]
    [TestCase("bytes=abc", null, TestName = "Range_Malformed_IgnoredWith200")]
    [TestCase("bytes=5-2", null, TestName = "Range_Reversed_IgnoredWith200")]
    [TestCase("bytes=0-1", "garbage", TestName = "IfRange_NotAValidator_RangeIgnoredWith200")]
    [TestCase("bytes=0-1", "W/\"{hash}\"", TestName = "IfRange_WeakETag_RangeIgnoredWith200")]
    public async Task Range_NotApplicable_WholeImageWith200(string range, string? ifRange)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.TryAddWithoutValidation("Range", range);
        if (ifRange is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Range", ifRange.Replace("{hash}", _image.Hash.ToString(), StringComparison.Ordinal));
        }

        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.AcceptRanges, Does.Contain("bytes"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content));
    }

    [Test]
    public async Task Range_Unsatisfiable_416WithContentRangeAndAcceptRanges()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.Range = new RangeHeaderValue(_content.Length, null);
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(response.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes */{_content.Length}"));
        Assert.That(response.Headers.AcceptRanges, Does.Contain("bytes"));
    }

    [Test]
    public async Task Range_TwoDisjointRanges_MultipartWithBothSlices()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.TryAddWithoutValidation("Range", "bytes=200000-200099,10-19");
        using var response = await _client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        var contentType = response.Content.Headers.ContentType!;
        Assert.That(contentType.MediaType, Is.EqualTo("multipart/byteranges"));
        var boundary = contentType.Parameters.Single(p => p.Name == "boundary").Value!;
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.That(body, Has.Length.EqualTo(response.Content.Headers.ContentLength));
        var reader = new MultipartReader(boundary, new MemoryStream(body));
        var parts = new List<(string Range, byte[] Bytes)>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            using var bytes = new MemoryStream();
            await section.Body.CopyToAsync(bytes);
            parts.Add((section.Headers!["Content-Range"].ToString(), bytes.ToArray()));
        }

        Assert.That(parts.Select(p => p.Range), Is.EqualTo(new[] { $"bytes 10-19/{_content.Length}", $"bytes 200000-200099/{_content.Length}" }));
        Assert.That(parts[0].Bytes, Is.EqualTo(_content[10..20]));
        Assert.That(parts[1].Bytes, Is.EqualTo(_content[200000..200100]));
    }

    [Test]
    public async Task Range_ManyOverlappingRanges_MergedIntoOneSliceNoLargerThanTheImage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.TryAddWithoutValidation("Range", "bytes=" + string.Join(",", Enumerable.Repeat("0-", RangeRequest.MaxRanges)));
        using var response = await _client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(response.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes 0-{_content.Length - 1}/{_content.Length}"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(_content), "one copy of the image, not one per range");
    }

    [Test]
    public async Task Range_MoreRangesThanTheLimit_IgnoredWith200()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        request.Headers.TryAddWithoutValidation("Range", "bytes=" + string.Join(",", Enumerable.Range(0, RangeRequest.MaxRanges + 1).Select(i => $"{i * 10}-{i * 10}")));
        using var response = await _client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(_content.Length));
    }

    [Test]
    public async Task Conditionals_IfNoneMatchGives304AndIfMatchMismatchGives412_BothWithAcceptRanges()
    {
        using var notModified = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        notModified.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(_image.EntityTag));
        using var failed = new HttpRequestMessage(HttpMethod.Get, "app.gvmi");
        failed.Headers.IfMatch.Add(new EntityTagHeaderValue("\"another-version\""));

        using var notModifiedResponse = await _client.SendAsync(notModified);
        using var failedResponse = await _client.SendAsync(failed);
        Assert.That(notModifiedResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(failedResponse.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(notModifiedResponse.Headers.AcceptRanges, Does.Contain("bytes"));
        Assert.That(failedResponse.Headers.AcceptRanges, Does.Contain("bytes"));
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
    public async Task Index_Json_ListsSizeHashTaskPackageAndSnippets()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/?format=json"));
        var image = document.RootElement.GetProperty("images")[0];
        var url = new Uri(_serve.Server.BaseAddress, "app.gvmi");
        Assert.That(image.GetProperty("size").GetInt64(), Is.EqualTo(_content.Length));
        Assert.That(image.GetProperty("hash").GetString(), Is.EqualTo(_image.Hash.ToString()));
        Assert.That(image.GetProperty("taskPackage").GetString(), Is.EqualTo($"hash:sha3:{_image.Hash}:{url}"));
        Assert.That(TaskPackage.Parse(image.GetProperty("taskPackage").GetString()!).ImageHash, Is.EqualTo(_image.Hash));
        var snippets = image.GetProperty("snippets");
        Assert.That(snippets.GetProperty("csharp").GetString(), Is.EqualTo($"var package = new ImagePackage(ImageHash.Parse(\"{_image.Hash}\"), new Uri(\"{url}\"));"));
        Assert.That(snippets.GetProperty("python").GetString(), Is.EqualTo($"package = await vm.repo(image_hash=\"{_image.Hash}\", image_url=\"{url}\")"));
        Assert.That(snippets.GetProperty("javascript").GetString(), Is.EqualTo($"demand: {{ workload: {{ imageHash: \"{_image.Hash}\", imageUrl: \"{url}\" }} }},"));
    }

    [Test]
    public async Task Index_AcceptJson_IsJsonAndBrowsersGetHtml()
    {
        using var json = new HttpRequestMessage(HttpMethod.Get, "/");
        json.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var html = new HttpRequestMessage(HttpMethod.Get, "/");
        html.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var jsonResponse = await _client.SendAsync(json);
        using var htmlResponse = await _client.SendAsync(html);
        Assert.That(jsonResponse.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
        Assert.That(htmlResponse.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        Assert.That(await htmlResponse.Content.ReadAsStringAsync(), Does.Contain($"hash:sha3:{_image.Hash}:"));
    }

    [Test]
    public async Task Index_ForgedHostHeader_AdvertisesTheBindAddressNotTheRequestHost()
    {
        var raw = await _serve.RawAsync("GET /?format=json HTTP/1.1\r\nHost: attacker.example:666\r\nConnection: close\r\n\r\n");
        var body = raw[(raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        using var document = JsonDocument.Parse(body);

        Assert.That(body, Does.Not.Contain("attacker.example"));
        Assert.That(document.RootElement.GetProperty("images")[0].GetProperty("url").GetString(), Is.EqualTo($"http://127.0.0.1:{_serve.Listening.Port}/app.gvmi"));
    }

    [Test]
    public async Task Curl_ResumesAPartialDownloadToTheRightBytes()
    {
        var target = Path.Combine(_directory, "download.part");
        await File.WriteAllBytesAsync(target, _content[..12345]);
        var start = new System.Diagnostics.ProcessStartInfo("curl", ["-sS", "-f", "-C", "-", "-o", target, new Uri(_serve.Listening, "app.gvmi").AbsoluteUri]);
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.WaitForExitAsync();

        Assert.That(process.ExitCode, Is.Zero);
        Assert.That(ImageHasher.HashData(await File.ReadAllBytesAsync(target)), Is.EqualTo(_image.Hash));
    }

    [Test]
    public void Catalog_DuplicateNames_AreRejected()
    {
        var other = Directory.CreateDirectory(Path.Combine(_directory, "other")).FullName;
        File.WriteAllBytes(Path.Combine(other, "app.gvmi"), [1]);
        Assert.That(
            async () => await ServedImageCatalog.OpenAsync([_directory, other], TextWriter.Null, CancellationToken.None),
            Throws.TypeOf<ServeStartupException>().With.Message.Contains("share the file name 'app.gvmi'"));
    }
}
