using System.Collections.Concurrent;
using System.Net;
using Golem.VmImages.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Golem.VmImages.Tests.Registry;

/// <summary>
/// Against an in-process Kestrel server implementing the registry's <c>GET /v1/image/info</c> with the real answer
/// shape <c>{"http": url, "https": url, "sha3": hex, "size": bytes}</c> and 404 for unknown images.
/// </summary>
public sealed class HttpImageRegistryTests
{
    private const string Tag = "golem/alpine:latest";
    private const string Hash = "d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376";
    private const long Size = 4_096_000;

    private LoopbackServer _server = null!;
    private HttpClient _client = null!;
    private readonly ConcurrentQueue<string> _queries = new();
    private int _flakyCalls;
    private int _errorCalls;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await LoopbackServer.StartAsync(app => app.MapGet("/v1/image/info", (HttpContext context) => Answer(context)));
        _client = new HttpClient();
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [SetUp]
    public void Reset()
    {
        _queries.Clear();
        _flakyCalls = 0;
        _errorCalls = 0;
    }

    private async Task Answer(HttpContext context)
    {
        var request = context.Request;
        _queries.Enqueue(request.QueryString.Value ?? string.Empty);
        var tag = request.Query["tag"].ToString();
        var hash = request.Query["hash"].ToString();
        var key = tag.Length > 0 ? tag : hash;
        var origin = $"http://{request.Host}";
        switch (key)
        {
            case Tag:
            case Hash:
                await Json(context, $$"""{"http":"{{origin}}/download/{{Hash}}","https":"https://registry.example/download/{{Hash}}","sha3":"{{Hash}}","size":{{Size}}}""");
                return;
            case "test/flaky:1":
                if (Interlocked.Increment(ref _flakyCalls) < 3)
                {
                    context.Response.StatusCode = 503;
                    return;
                }

                await Json(context, $$"""{"http":"{{origin}}/download/{{Hash}}","https":"{{origin}}/download/{{Hash}}","sha3":"{{Hash}}","size":1}""");
                return;
            case "test/error:1":
                Interlocked.Increment(ref _errorCalls);
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("internal error " + new string('x', 5000));
                return;
            case "test/forbidden:1":
                Interlocked.Increment(ref _errorCalls);
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("no access\nfor you");
                return;
            case "test/slow:1":
                Interlocked.Increment(ref _errorCalls);
                await Task.Delay(2000, context.RequestAborted);
                return;
            case "test/truncated:1":
                Interlocked.Increment(ref _errorCalls);
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 1000;
                await context.Response.WriteAsync("{\"http\":");
                await context.Response.Body.FlushAsync();
                await Task.Delay(200); // let the client read the headers and start on the body
                context.Abort();
                return;
            case "test/notjson:1":
                await Json(context, "<html>oops</html>");
                return;
            case "test/array:1":
                await Json(context, "[1,2]");
                return;
            case "test/nosha:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","size":1}""");
                return;
            case "test/shortsha:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":"{{Hash[..54]}}","size":1}""");
                return;
            case "test/numbersha:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":12,"size":1}""");
                return;
            case "test/badhexsha:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":"{{Hash[..55]}}z","size":1}""");
                return;
            case "test/nohttp:1":
                await Json(context, $$"""{"https":"{{origin}}/d","sha3":"{{Hash}}","size":1}""");
                return;
            case "test/relativehttp:1":
                await Json(context, $$"""{"http":"/download/x","https":"{{origin}}/d","sha3":"{{Hash}}","size":1}""");
                return;
            case "test/nosize:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":"{{Hash}}"}""");
                return;
            case "test/negativesize:1":
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":"{{Hash}}","size":-5}""");
                return;
            case "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7":
                // Answers with a different image than asked for.
                await Json(context, $$"""{"http":"{{origin}}/d","https":"{{origin}}/d","sha3":"{{Hash}}","size":1}""");
                return;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("image not found");
                return;
        }
    }

    private static Task Json(HttpContext context, string body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }

    private HttpImageRegistry CreateRegistry(int retries = 2, TimeSpan? timeout = null) =>
        HttpImageRegistry.Create(_client, new ImageRegistryOptions
        {
            BaseAddress = _server.BaseAddress,
            MaxRetryAttempts = retries,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            AttemptTimeout = timeout ?? TimeSpan.FromSeconds(10),
        });

    [Test]
    public async Task ResolveAsync_Tag_ReturnsHttpPackageAndCountsDownload()
    {
        var resolved = await CreateRegistry().ResolveAsync(ImageQuery.ByTag(Tag));

        Assert.That(resolved.ImageHash, Is.EqualTo(ImageHash.Parse(Hash)));
        Assert.That(resolved.SizeInBytes, Is.EqualTo(Size));
        Assert.That(resolved.Package.ImageUrl, Is.EqualTo(new Uri(_server.BaseAddress, $"/download/{Hash}")));
        Assert.That(resolved.HttpsUrl, Is.EqualTo(new Uri($"https://registry.example/download/{Hash}")));
        Assert.That(resolved.Package.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{Hash}:{resolved.HttpUrl!.OriginalString}"));
        Assert.That(_queries, Is.EqualTo(new[] { "?tag=golem%2Falpine%3Alatest&count=true" }));
    }

    [Test]
    public async Task ResolveAsync_HashHttpsDev_UsesHttpsLinkAndDevFlag()
    {
        var resolved = await CreateRegistry().ResolveAsync(ImageQuery.ByHash(ImageHash.Parse(Hash)) with { UseHttps = true, DevMode = true });

        Assert.That(resolved.Package.ImageUrl.OriginalString, Is.EqualTo($"https://registry.example/download/{Hash}"));
        Assert.That(_queries, Is.EqualTo(new[] { $"?hash={Hash}&dev=true" }));
    }

    [Test]
    public async Task ResolveAsync_BaseAddressWithPath_KeepsPath()
    {
        var registry = HttpImageRegistry.Create(_client, new ImageRegistryOptions { BaseAddress = new Uri(_server.BaseAddress, "/prefix") });

        Assert.That(registry.GetRequestUri(ImageQuery.ByTag(Tag)).AbsolutePath, Is.EqualTo("/prefix/v1/image/info"));
        Assert.That(registry.GetRequestUri(ImageQuery.ByTag(Tag)).Query, Is.EqualTo("?tag=golem%2Falpine%3Alatest&count=true"));
        Assert.That(async () => await registry.ResolveAsync(ImageQuery.ByTag(Tag)), Throws.TypeOf<ImageNotFoundException>());
    }

    [Test]
    public async Task ResolveAsync_UnknownTag_ImageNotFoundNamingTag()
    {
        var ex = await Assert.ThrowsAsync<ImageNotFoundException>(() => CreateRegistry().ResolveAsync(ImageQuery.ByTag("nobody/nothing:1")));

        Assert.That(ex.Message, Does.Contain("has no image tagged 'nobody/nothing:1'"));
        Assert.That(ex.Tag, Is.EqualTo("nobody/nothing:1"));
        Assert.That(ex.Hash, Is.Null);
        Assert.That(_queries, Has.Count.EqualTo(1), "404 is not retried");
    }

    [Test]
    public async Task ResolveAsync_UnknownHash_ImageNotFoundNamingHash()
    {
        var hash = ImageHasher.HashData("unknown"u8);

        var ex = await Assert.ThrowsAsync<ImageNotFoundException>(() => CreateRegistry().ResolveAsync(ImageQuery.ByHash(hash)));

        Assert.That(ex.Message, Does.Contain($"has no image with hash {hash}"));
        Assert.That(ex.Hash, Is.EqualTo(hash));
    }

    [Test]
    public async Task ResolveAsync_TransientStatusTwice_RetriesAndSucceeds()
    {
        var resolved = await CreateRegistry(retries: 2).ResolveAsync(ImageQuery.ByTag("test/flaky:1"));

        Assert.That(resolved.SizeInBytes, Is.EqualTo(1));
        Assert.That(_flakyCalls, Is.EqualTo(3));
    }

    [Test]
    public async Task ResolveAsync_ServerErrorAlways_StatusExceptionAfterBoundedRetries()
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryStatusException>(() => CreateRegistry(retries: 2).ResolveAsync(ImageQuery.ByTag("test/error:1")));

        Assert.That(ex.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(ex.BodyExcerpt, Does.StartWith("internal error xxx"));
        Assert.That(ex.BodyExcerpt, Has.Length.EqualTo(ImageRegistryStatusException.MaxExcerptLength));
        Assert.That(ex.Message, Does.Contain("with status 500; expected 200 OK"));
        Assert.That(ex.Message, Has.Length.LessThan(1000));
        Assert.That(_errorCalls, Is.EqualTo(3));
    }

    [Test]
    public async Task ResolveAsync_Forbidden_StatusExceptionWithoutRetry()
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryStatusException>(() => CreateRegistry().ResolveAsync(ImageQuery.ByTag("test/forbidden:1")));

        Assert.That(ex.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(ex.BodyExcerpt, Is.EqualTo("no access for you"));
        Assert.That(_errorCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task ResolveAsync_SlowServer_TimesOutAfterBoundedAttempts()
    {
        var registry = CreateRegistry(retries: 1, timeout: TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<ImageRegistryException>(() => registry.ResolveAsync(ImageQuery.ByTag("test/slow:1")));

        Assert.That(ex.Message, Does.Contain("did not answer").And.Contain("2 attempt(s)"));
        Assert.That(_errorCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task ResolveAsync_NothingListening_UnreachableAfterRetries()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var registry = HttpImageRegistry.Create(_client, new ImageRegistryOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            MaxRetryAttempts = 1,
            RetryDelay = TimeSpan.FromMilliseconds(10),
        });

        var ex = await Assert.ThrowsAsync<ImageRegistryException>(() => registry.ResolveAsync(ImageQuery.ByTag(Tag)));
        Assert.That(ex.Message, Does.Contain("could not be reached").And.Contain("2 attempt(s)"));
        Assert.That(ex.InnerException, Is.InstanceOf<HttpRequestException>());
    }

    [Test]
    public async Task ResolveAsync_AnswerCutOff_RegistryExceptionAfterBoundedRetries()
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryException>(() => CreateRegistry(retries: 2).ResolveAsync(ImageQuery.ByTag("test/truncated:1")));

        Assert.That(ex.Message, Does.Contain("was cut off").And.Contain("in each of 3 attempt(s)"));
        Assert.That(ex.InnerException, Is.InstanceOf<IOException>());
        Assert.That(ex.RequestUri!.Query, Does.Contain("tag=test%2Ftruncated%3A1"));
        Assert.That(_errorCalls, Is.EqualTo(3), "a cut-off answer is a transport error and is retried");
    }

    [Test]
    public void ResolveAsync_CallerCancels_OperationCanceled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Assert.That(async () => await CreateRegistry().ResolveAsync(ImageQuery.ByTag("test/slow:1"), cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private static readonly object[] MalformedAnswers =
    [
        new object[] { "test/notjson:1", "is not valid JSON" },
        new object[] { "test/array:1", "is a JSON array; expected an object" },
        new object[] { "test/nosha:1", "has no 'sha3'; expected a SHA3-224 image hash of 56 hexadecimal characters" },
        new object[] { "test/shortsha:1", "has 'sha3' = '" + Hash[..54] + "'; expected a SHA3-224 image hash" },
        new object[] { "test/numbersha:1", "has 'sha3' = 12; expected" },
        new object[] { "test/badhexsha:1", "has 'sha3' = '" + Hash[..55] + "z'" },
        new object[] { "test/nohttp:1", "has no 'http'; expected the image's http download URL" },
        new object[] { "test/relativehttp:1", "has 'http' = '/download/x'; expected an absolute http or https URL" },
        new object[] { "test/nosize:1", "has no 'size'" },
        new object[] { "test/negativesize:1", "has 'size' = -5; expected the image size as a non-negative integer" },
    ];

    [TestCaseSource(nameof(MalformedAnswers))]
    public async Task ResolveAsync_MalformedAnswer_ResponseException(string tag, string message)
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryResponseException>(() => CreateRegistry().ResolveAsync(ImageQuery.ByTag(tag)));

        Assert.That(ex.Message, Does.Contain(message));
        Assert.That(ex.RequestUri!.Query, Does.Contain("tag="));
    }

    [Test]
    public async Task ResolveAsync_AnswerForOtherHash_ResponseException()
    {
        var ex = await Assert.ThrowsAsync<ImageRegistryResponseException>(() => CreateRegistry().ResolveAsync(ImageQuery.ByHash(ImageHash.OfEmptyInput)));

        Assert.That(ex.Message, Does.Contain($"names image {Hash}; expected the requested image {ImageHash.OfEmptyInput}"));
    }

    [Test]
    public async Task Constructor_HttpClientFactory_UsesNamedClient()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(HttpImageRegistry.HttpClientName);
        services.Configure<ImageRegistryOptions>(o => o.BaseAddress = _server.BaseAddress);
        services.AddSingleton<IImageRegistry, HttpImageRegistry>();
        using var provider = services.BuildServiceProvider();

        var resolved = await provider.GetRequiredService<IImageRegistry>().ResolveAsync(ImageQuery.ByTag(Tag));

        Assert.That(resolved.ImageHash.ToString(), Is.EqualTo(Hash));
    }

    [Test]
    public async Task RepoAsync_Tag_ResolvesThroughRegistry()
    {
        var package = await CreateRegistry().RepoAsync(imageTag: Tag, useHttps: true);

        Assert.That(package.ImageUrl.Scheme, Is.EqualTo("https"));
        Assert.That(_queries, Is.EqualTo(new[] { "?tag=golem%2Falpine%3Alatest&count=true" }));
    }

    [Test]
    public async Task RepoAsync_HashAndUrl_NoRegistryRequest()
    {
        var package = await CreateRegistry().RepoAsync(imageHash: ImageHash.Parse(Hash), imageUrl: new Uri("http://127.0.0.1/x.gvmi"));

        Assert.That(package.TaskPackage.ToString(), Is.EqualTo($"hash:sha3:{Hash}:http://127.0.0.1/x.gvmi"));
        Assert.That(_queries, Is.Empty);
    }

    [Test]
    public void RepoAsync_InvalidCombinations_Throw()
    {
        var registry = CreateRegistry();
        var hash = ImageHash.Parse(Hash);
        var url = new Uri("http://127.0.0.1/x.gvmi");

        Assert.That(() => registry.RepoAsync(imageTag: Tag, imageUrl: url), Throws.ArgumentException.With.Message.Contain("image tag was given together with a direct image URL"));
        Assert.That(() => registry.RepoAsync(imageUrl: url), Throws.ArgumentException.With.Message.Contain("direct image URL was given without an image hash"));
        Assert.That(() => registry.RepoAsync(), Throws.ArgumentException.With.Message.Contain("Neither an image hash nor an image tag"));
        Assert.That(() => registry.RepoAsync(imageHash: hash, imageTag: Tag), Throws.ArgumentException.With.Message.Contain("Both an image hash and an image tag"));
        Assert.That(_queries, Is.Empty);
    }

    [TestCase("alpine")]
    [TestCase("golem/alpine")]
    [TestCase("golem/alpine:")]
    [TestCase("/alpine:latest")]
    [TestCase("golem/:latest")]
    [TestCase("golem/al pine:latest")]
    [TestCase("golem/a/b:latest")]
    [TestCase("golem/alpine:la:test")]
    public void ByTag_NotUserRepositoryTag_Throws(string tag)
    {
        Assert.That(() => ImageQuery.ByTag(tag), Throws.ArgumentException.With.Message.Contain($"The image tag '{tag}' is not of the form 'user/repository:tag'"));
    }

    [Test]
    public void ByHash_Default_Throws()
    {
        Assert.Throws<ArgumentException>(() => ImageQuery.ByHash(default));
    }

    [Test]
    public void Constructor_InvalidOptions_Throw()
    {
        Assert.That(() => HttpImageRegistry.Create(_client, new ImageRegistryOptions { BaseAddress = new Uri("ftp://x/") }), Throws.ArgumentException.With.Message.Contain("is not an absolute http or https URL"));
        Assert.That(() => HttpImageRegistry.Create(_client, new ImageRegistryOptions { MaxRetryAttempts = 11 }), Throws.ArgumentException.With.Message.Contain("MaxRetryAttempts is 11; expected from 0 to 10"));
        Assert.That(() => HttpImageRegistry.Create(_client, new ImageRegistryOptions { AttemptTimeout = TimeSpan.Zero }), Throws.ArgumentException.With.Message.Contain("AttemptTimeout is 00:00:00"));
        Assert.That(new ImageRegistryOptionsValidator().Validate(null, new ImageRegistryOptions { RetryDelay = TimeSpan.FromHours(1) }).Failed, Is.True);
        Assert.That(new ImageRegistryOptionsValidator().Validate(null, new ImageRegistryOptions()).Succeeded, Is.True);
        Assert.That(new ImageRegistryOptions().BaseAddress, Is.EqualTo(new Uri("https://registry.golem.network")));
        Assert.That(() => new HttpImageRegistry((IHttpClientFactory)null!, Options.Create(new ImageRegistryOptions())), Throws.ArgumentNullException);
    }
}
