using System.IO.Compression;
using System.Net;
using Golem.VmImages.Fetching;
using Golem.VmImages.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Golem.VmImages.Tests.DependencyInjection;

[TestFixture]
[CancelAfter(30_000)]
public sealed class GolemVmImagesServiceCollectionExtensionsTests
{
    private string _root = null!;

    [SetUp]
    public void CreateDirectory() => _root = Directory.CreateTempSubdirectory("gvmi-di-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_root, recursive: true);

    [Test]
    public void AddGolemVmImages_Defaults_ResolvesFetcherCacheAndRegistry()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var fetcher = provider.GetRequiredService<IImageFetcher>();
        var cache = provider.GetRequiredService<ImageCache>();
        var registry = provider.GetRequiredService<IImageRegistry>();

        Assert.That(fetcher, Is.SameAs(provider.GetRequiredService<ImageFetcher>()));
        Assert.That(fetcher.Cache, Is.SameAs(cache));
        Assert.That(cache.Directory, Is.EqualTo(Path.GetFullPath(_root)));
        Assert.That(registry, Is.TypeOf<HttpImageRegistry>());
        Assert.That(((HttpImageRegistry)registry).BaseAddress, Is.EqualTo(new Uri(ImageRegistryOptions.DefaultBaseAddress)));
    }

    [Test]
    public void AddGolemVmImages_RegistryConfigured_RegistryUsesIt()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root, r => r.BaseAddress = new Uri("http://127.0.0.1:9/"));
        using var provider = services.BuildServiceProvider();

        var registry = (HttpImageRegistry)provider.GetRequiredService<IImageRegistry>();

        Assert.That(registry.BaseAddress, Is.EqualTo(new Uri("http://127.0.0.1:9/")));
    }

    [Test]
    public void AddGolemVmImages_CalledTwice_RegistersValidatorsAndServicesOnce()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root);
        services.AddGolemVmImages();

        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<ImageFetcherOptions>) && d.ImplementationType == typeof(ImageFetcherOptionsValidator)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<ImageRegistryOptions>) && d.ImplementationType == typeof(ImageRegistryOptionsValidator)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IImageRegistry)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IImageFetcher)), Is.EqualTo(1));
    }

    [Test]
    public async Task AddGolemVmImages_InvalidFetcherOptions_HostStartFailsNamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGolemVmImages(o =>
        {
            o.CacheDirectory = _root;
            o.MaxAttempts = 0;
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(ex!.OptionsType, Is.EqualTo(typeof(ImageFetcherOptions)));
        Assert.That(ex.Message, Does.Contain(nameof(ImageFetcherOptions.MaxAttempts)));
    }

    [Test]
    public async Task AddGolemVmImages_CrossFieldRuleBroken_HostStartFailsNamingBothOptions()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGolemVmImages(o =>
        {
            o.CacheDirectory = _root;
            o.BackoffBase = TimeSpan.FromSeconds(10);
            o.BackoffCap = TimeSpan.FromSeconds(1);
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain(nameof(ImageFetcherOptions.BackoffCap)).And.Contain(nameof(ImageFetcherOptions.BackoffBase)));
    }

    [Test]
    public void AddGolemVmImages_InvalidRegistryOptions_StartupValidatorFailsNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root, r => r.AttemptTimeout = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(ex!.OptionsType, Is.EqualTo(typeof(ImageRegistryOptions)));
        Assert.That(ex.Message, Does.Contain(nameof(ImageRegistryOptions.AttemptTimeout)));
    }

    [Test]
    public void AddGolemVmImages_RelativeRegistryAddress_StartupValidatorFailsNamingTheAddress()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root, r => r.BaseAddress = new Uri("registry/v1", UriKind.Relative));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(ex!.Message, Does.Contain("registry/v1"));
    }

    [Test]
    public async Task FetcherHttpClient_Request_IdentityEncodingNoDecompressionNoRedirectNoTimeout()
    {
        var gzipped = Gzip("not the image"u8.ToArray());
        string? acceptEncoding = null;
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/gz", async context =>
            {
                acceptEncoding = context.Request.Headers.AcceptEncoding.ToString();
                context.Response.Headers.ContentEncoding = "gzip";
                await context.Response.Body.WriteAsync(gzipped);
            });
            app.MapGet("/moved", context =>
            {
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = "/gz";
                return Task.CompletedTask;
            });
        });
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ImageFetcher.HttpClientName);

        using var response = await client.GetAsync(new Uri(server.BaseAddress, "gz"));
        var body = await response.Content.ReadAsByteArrayAsync();
        using var redirect = await client.GetAsync(new Uri(server.BaseAddress, "moved"));

        Assert.That(acceptEncoding, Is.EqualTo("identity"));
        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
        Assert.That(body, Is.EqualTo(gzipped), "the body arrives as sent: no automatic decompression");
        Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.Found), "the fetcher follows redirects itself");
        Assert.That(client.Timeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }

    [Test]
    public async Task Fetcher_ResolvedFromContainer_FetchesAndVerifiesFromLoopback()
    {
        var image = new byte[300_000];
        new Random(5).NextBytes(image);
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/image.gvmi", () => Results.Bytes(image, "application/octet-stream")));
        var services = new ServiceCollection();
        services.AddLogging(l => l.ClearProviders());
        services.AddGolemVmImages(o =>
        {
            o.CacheDirectory = _root;
            o.MinimumFreeDiskSpace = 0;
        });
        await using var provider = services.BuildServiceProvider();
        var fetcher = provider.GetRequiredService<IImageFetcher>();

        var fetched = await fetcher.FetchAsync(ImageHasher.HashData(image), [new Uri(server.BaseAddress, "image.gvmi")]);

        Assert.That(await File.ReadAllBytesAsync(fetched.Path), Is.EqualTo(image));
        Assert.That(fetched.Path, Does.StartWith(Path.GetFullPath(_root)));
    }

    [Test]
    public void RegistryHttpClient_HasNoWholeRequestTimeout()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _root);
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpImageRegistry.HttpClientName);

        Assert.That(client.Timeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }
}
