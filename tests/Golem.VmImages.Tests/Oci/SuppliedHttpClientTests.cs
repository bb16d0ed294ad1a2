using System.Net;
using System.Runtime.Versioning;
using Golem.VmImages.Building;
using Golem.VmImages.Oci;
using Golem.VmImages.Tests.Building;

namespace Golem.VmImages.Tests.Oci;

/// <summary>A pull through the caller's <see cref="OciPullOptions.HttpClient"/>, its handler from <see cref="OciPullOptions.CreateHttpHandler"/>.</summary>
[SupportedOSPlatform("linux")]
public sealed class SuppliedHttpClientTests : BuildTestBase
{
    [Test]
    public async Task BuildAsync_SuppliedClientOnCreateHttpHandler_PullsOverHttpsWithTheTestCaThroughItAndLeavesItOpen()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"), https: true);
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [RegistryFixtures.Layer("opt/a.bin", 100_000, 1)], gzip: true), "latest", "test/app", "1");
        var pull = new OciPullOptions
        {
            CacheDirectory = Path.Combine(Scratch, "cache"),
            RetryDelay = TimeSpan.FromMilliseconds(10),
            CaCertificateFile = registry.CaFile,
            AuthFile = Path.Combine(Scratch, "none.json"),
        };
        var counting = new CountingHandler(pull.CreateHttpHandler());
        using var http = new HttpClient(counting);
        pull.HttpClient = http;

        var result = await GvmiBuilder.BuildAsync(ImageReference.Parse(registry.Host + "/test/app:1"), Path.Combine(Scratch, "app.gvmi"), new GvmiBuildOptions { Registry = pull });
        var pulled = counting.Requests;
        using var after = await http.GetAsync(new Uri($"https://{registry.Host}/v2/"));

        Assert.That(result.LayerCount, Is.EqualTo(1));
        Assert.That(pulled, Is.GreaterThanOrEqualTo(3), "the /v2/ check, the manifest and the blobs went through the caller's client");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the pull left the caller's client open, trusting the test CA");
    }

    [Test]
    public void CreateHttpHandler_FollowsNoRedirectAndDecompressesNothing()
    {
        using var handler = new OciPullOptions().CreateHttpHandler();

        Assert.That(handler.AllowAutoRedirect, Is.False);
        Assert.That(handler.AutomaticDecompression, Is.EqualTo(DecompressionMethods.None));
    }

    [Test]
    public void CreateHttpHandler_CaFileWithoutCertificates_ThrowsNamingIt()
    {
        var caFile = Path.Combine(Scratch, "empty.pem");
        File.WriteAllText(caFile, "not a certificate\n");

        var ex = Assert.Throws<OciRegistryRequestException>(() => new OciPullOptions { CaCertificateFile = caFile }.CreateHttpHandler());

        Assert.That(ex!.Message, Is.EqualTo($"The CA file '{caFile}' cannot be used (no PEM certificate found); expected PEM certificates."));
    }

    /// <summary>Counts the requests that pass through it to the real handler below.</summary>
    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
