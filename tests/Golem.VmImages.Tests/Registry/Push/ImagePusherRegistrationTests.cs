using System.Net;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Golem.VmImages.Tests.Registry.Push;

/// <summary>The pusher from dependency injection: its options validated at start-up, its client following no redirect.</summary>
public sealed class ImagePusherRegistrationTests
{
    [Test]
    public async Task AddGolemVmImages_PusherClient_DoesNotFollowARedirectWithTheToken()
    {
        var redirected = 0;
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/auth/pat/login", (HttpContext context) =>
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = "/elsewhere";
            });
            app.MapPost("/elsewhere", () => Interlocked.Increment(ref redirected));
        });
        var directory = Directory.CreateTempSubdirectory("gvmi-push-di-").FullName;
        try
        {
            var image = await ImagePusherTests.CreateImageAsync(directory, 10_000);
            var services = new ServiceCollection();
            services.AddGolemVmImages(configure: null, configureRegistry: o => o.BaseAddress = server.BaseAddress);
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            var pusher = provider.GetRequiredService<ImagePusher>();

            var ex = await Assert.ThrowsAsync<ImageRegistryStatusException>(() => pusher.PushAsync(image, new ImagePushOptions
            {
                Tag = "alice/app:1",
                Credentials = new RegistryCredentials("alice", "secret-token"),
                AllowInsecureHttp = true,
            }));

            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.TemporaryRedirect));
            Assert.That(redirected, Is.Zero);
            Assert.That(pusher.BaseAddress, Is.EqualTo(server.BaseAddress));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void AddGolemVmImages_InvalidPusherOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddGolemVmImages();
        services.Configure<ImagePusherOptions>(o =>
        {
            o.MaxParallelUploads = 0;
            o.CompletionPollInterval = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ImagePusherOptions>>().Value);

        Assert.That(ex!.Failures, Has.Some.Contains("MaxParallelUploads"));
    }

    [TestCase(nameof(ImagePusherOptions.CompletionPollInterval))]
    [TestCase(nameof(ImagePusherOptions.ChunkAttemptTimeout))]
    [TestCase(nameof(ImagePusherOptions.RetryDelay))]
    public void Create_TimeSpanOutOfRange_Throws(string name)
    {
        var options = new ImagePusherOptions();
        typeof(ImagePusherOptions).GetProperty(name)!.SetValue(options, TimeSpan.FromDays(1));
        using var client = new HttpClient();

        Assert.That(() => ImagePusher.Create(client, options: options), Throws.InstanceOf<ArgumentException>().With.Message.Contains(name));
        Assert.That(new ImagePusherOptionsValidator().Validate(null, options).FailureMessage, Does.Contain(name));
    }

    [TestCase("")]
    [TestCase("  ")]
    public void Create_EmptyDescriptorCacheDirectory_Throws(string directory)
    {
        var options = new ImagePusherOptions { DescriptorCacheDirectory = directory };
        using var client = new HttpClient();

        Assert.That(() => ImagePusher.Create(client, options: options), Throws.InstanceOf<ArgumentException>().With.Message.Contains("ImagePusherOptions.DescriptorCacheDirectory is empty"));
        Assert.That(new ImagePusherOptionsValidator().Validate(null, options).FailureMessage, Does.Contain("DescriptorCacheDirectory"));
    }
}
