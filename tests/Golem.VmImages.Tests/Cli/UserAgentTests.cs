using System.Collections.Concurrent;
using System.Reflection;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Fetching;
using Golem.VmImages.Registry;
using Golem.VmImages.Tests.Hashing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// Every request to an image server or registry says who sends it, <c>Golem.VmImages/&lt;version&gt;</c>, as the
/// Kestrel server on the other end sees it: from the fetcher (with and without DI), the registry client and
/// <c>gvmi fetch</c> and <c>gvmi resolve</c>.
/// </summary>
[CancelAfter(60_000)]
public sealed class UserAgentTests
{
    private static readonly byte[] Image = TestVectors.MessageStream(10_000);
    private static readonly string Expected = "Golem.VmImages/" + LibraryVersion();
    private readonly ConcurrentQueue<(string Path, string UserAgent)> _seen = new();
    private LoopbackServer _server = null!;
    private string _cache = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _seen.Clear();
        _cache = Directory.CreateTempSubdirectory("gvmi-user-agent-").FullName;
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                _seen.Enqueue((context.Request.Path.Value!, context.Request.Headers.UserAgent.ToString()));
                return next(context);
            });
            app.MapGet("/image.gvmi", () => Results.Bytes(Image, "application/octet-stream"));
            app.MapGet("/v1/image/info", (HttpContext context) => Results.Text(
                $$"""{"http": "{{new Uri(_server.BaseAddress, "/image.gvmi")}}", "sha3": "{{ImageHasher.HashData(Image)}}", "size": {{Image.Length}}}""",
                "application/json"));
        });
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Test]
    public async Task Fetcher_OwnClient_SendsTheLibrarysUserAgent()
    {
        using var fetcher = new ImageFetcher(new ImageFetcherOptions { CacheDirectory = _cache });

        await fetcher.FetchAsync(ImageHasher.HashData(Image), [new Uri(_server.BaseAddress, "/image.gvmi")]);

        AssertEveryRequestSaidWhoSentIt("/image.gvmi");
    }

    [Test]
    public async Task FetcherAndRegistry_FromDependencyInjection_SendTheLibrarysUserAgent()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = _cache, o => o.BaseAddress = _server.BaseAddress);
        await using var provider = services.BuildServiceProvider();

        var resolved = await provider.GetRequiredService<IImageRegistry>().ResolveAsync(ImageQuery.ByTag("golem/test:1.0"));
        await provider.GetRequiredService<IImageFetcher>().FetchAsync(resolved.Package);

        AssertEveryRequestSaidWhoSentIt("/v1/image/info", "/image.gvmi");
    }

    [Test]
    public async Task GvmiResolveAndFetch_SendTheLibrarysUserAgent()
    {
        var (resolveExit, _, resolveError) = await CliRunner.RunAsync(ResolveCommand.Create(), "resolve", "--tag", "golem/test:1.0", "--registry", _server.BaseAddress.AbsoluteUri);
        var (fetchExit, _, fetchError) = await CliRunner.RunAsync(
            FetchCommand.Create(), "fetch", "--hash", ImageHasher.HashData(Image).ToString(), new Uri(_server.BaseAddress, "/image.gvmi").AbsoluteUri, "--cache", _cache);

        Assert.That((resolveExit, fetchExit), Is.EqualTo((0, 0)), resolveError + fetchError);
        AssertEveryRequestSaidWhoSentIt("/v1/image/info", "/image.gvmi");
    }

    private void AssertEveryRequestSaidWhoSentIt(params string[] paths)
    {
        Assert.That(_seen.Select(r => r.Path).Distinct(), Is.EquivalentTo(paths));
        Assert.That(_seen.Select(r => r.UserAgent), Has.All.EqualTo(Expected));
    }

    private static string LibraryVersion()
    {
        var version = typeof(ImageHasher).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        return version.Split('+')[0];
    }
}
