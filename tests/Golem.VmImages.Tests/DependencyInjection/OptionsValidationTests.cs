using Golem.VmImages.Fetching;
using Golem.VmImages.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Golem.VmImages.Tests.DependencyInjection;

/// <summary>The constructor path and dependency injection refuse the same values, each reported once with its name, its value and the valid range.</summary>
[TestFixture]
public sealed class OptionsValidationTests
{
    private static IEnumerable<TestCaseData> BadFetcherValues()
    {
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.MaxRedirects = -1), "ImageFetcherOptions.MaxRedirects is -1; expected from 0 to 50.").SetName("MaxRedirects_Minus1");
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.MaxAttempts = 1000), "ImageFetcherOptions.MaxAttempts is 1000; expected from 1 to 100.").SetName("MaxAttempts_1000");
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.MaxAttempts = 0), "ImageFetcherOptions.MaxAttempts is 0; expected from 1 to 100.").SetName("MaxAttempts_0");
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.BufferSize = 1 << 30), "ImageFetcherOptions.BufferSize is 1073741824; expected from 4096 to 67108864.").SetName("BufferSize_1GiB");
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.MaxImageSize = -5), "ImageFetcherOptions.MaxImageSize is -5; expected from 0 to 9223372036854775807.").SetName("MaxImageSize_Negative");
        yield return new TestCaseData((Action<ImageFetcherOptions>)(o => o.StallTimeout = TimeSpan.Zero), "ImageFetcherOptions.StallTimeout is 00:00:00; expected from 00:00:00.0010000 to 01:00:00.").SetName("StallTimeout_Zero");
    }

    [TestCaseSource(nameof(BadFetcherValues))]
    public void ImageFetcherOptions_BadValue_ConstructorAndDependencyInjectionReportItOnceAlike(Action<ImageFetcherOptions> configure, string message)
    {
        var options = new ImageFetcherOptions { CacheDirectory = "cache" };
        configure(options);

        var constructor = Assert.Throws<ArgumentException>(() => new ImageFetcher(options))!;
        var services = new ServiceCollection();
        services.AddGolemVmImages(o =>
        {
            o.CacheDirectory = "cache";
            configure(o);
        });
        using var provider = services.BuildServiceProvider();
        var injected = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ImageFetcherOptions>>().Value)!;

        Assert.That(constructor.Message, Does.StartWith(message));
        Assert.That(injected.Failures, Is.EqualTo(new[] { message }), "each bad value once, in the same words");
    }

    [Test]
    public void ImageRegistryOptions_BadValue_CreateAndDependencyInjectionReportItOnceAlike()
    {
        const string message = "ImageRegistryOptions.MaxRetryAttempts is 11; expected from 0 to 10.";
        using var client = new HttpClient();

        var created = Assert.Throws<ArgumentException>(() => HttpImageRegistry.Create(client, new ImageRegistryOptions { MaxRetryAttempts = 11 }))!;
        var services = new ServiceCollection();
        services.AddGolemVmImages(o => o.CacheDirectory = "cache", r => r.MaxRetryAttempts = 11);
        using var provider = services.BuildServiceProvider();
        var injected = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ImageRegistryOptions>>().Value)!;

        Assert.That(created.Message, Does.StartWith(message));
        Assert.That(injected.Failures, Is.EqualTo(new[] { message }));
    }
}
