using System.Diagnostics.Metrics;
using Golem.VmImages.Fetching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Golem.VmImages services.</summary>
public static class GolemVmImagesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IImageFetcher"/>, its <see cref="ImageCache"/> and the named <see cref="HttpClient"/>
    /// <see cref="ImageFetcher.HttpClientName"/> (no automatic decompression or redirects, <c>Accept-Encoding: identity</c>,
    /// no whole-request timeout: the fetcher's stall timer and overall deadline bound the body). Options are validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The options builder, for further configuration.</returns>
    public static OptionsBuilder<ImageFetcherOptions> AddGolemVmImages(this IServiceCollection services, Action<ImageFetcherOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptionsWithValidateOnStart<ImageFetcherOptions>().ValidateDataAnnotations();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageFetcherOptions>, ImageFetcherOptionsValidator>());
        services.AddHttpClient(ImageFetcher.HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("identity");
            })
            .ConfigurePrimaryHttpMessageHandler(ImageFetcher.CreateHttpHandler);
        services.TryAddSingleton(sp => new ImageCache(sp.GetRequiredService<IOptions<ImageFetcherOptions>>().Value.CacheDirectory));
        services.TryAddSingleton<ImageFetcher>(sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return new ImageFetcher(
                sp.GetRequiredService<IOptions<ImageFetcherOptions>>().Value,
                () => factory.CreateClient(ImageFetcher.HttpClientName),
                sp.GetRequiredService<ImageCache>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger<ImageFetcher>(),
                sp.GetService<TimeProvider>(),
                sp.GetService<IMeterFactory>());
        });
        services.TryAddSingleton<IImageFetcher>(sp => sp.GetRequiredService<ImageFetcher>());
        return builder;
    }
}
