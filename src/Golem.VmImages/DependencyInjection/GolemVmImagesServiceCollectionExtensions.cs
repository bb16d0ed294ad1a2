using System.Diagnostics.Metrics;
using Golem.VmImages.Fetching;
using Golem.VmImages.Http;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Golem.VmImages services.</summary>
public static class GolemVmImagesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IImageFetcher"/>, its <see cref="ImageCache"/>, the <see cref="IImageRegistry"/> client,
    /// the <see cref="ImagePusher"/> (named client <see cref="ImagePusher.HttpClientName"/>, which follows no redirects; <see cref="ImagePusherOptions"/> validated at start-up)
    /// and their named <see cref="HttpClient"/>s: <see cref="ImageFetcher.HttpClientName"/> (no automatic decompression
    /// or redirects, <c>Accept-Encoding: identity</c>, no whole-request timeout: the fetcher's stall timer and overall
    /// deadline bound the body) and <see cref="HttpImageRegistry.HttpClientName"/> (each attempt bounded by
    /// <see cref="ImageRegistryOptions.AttemptTimeout"/>). The fetcher and registry options are validated at start-up by the hand-written <see cref="ImageFetcherOptionsValidator"/> and <see cref="ImageRegistryOptionsValidator"/> (range checks and cross-field rules, no data annotations or reflection: trimming- and AOT-safe).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the fetcher options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The fetcher options builder, for further configuration.</returns>
    /// <remarks>Configure the registry with the overload that takes both delegates, or with <c>services.Configure&lt;ImageRegistryOptions&gt;(...)</c>.</remarks>
    public static OptionsBuilder<ImageFetcherOptions> AddGolemVmImages(this IServiceCollection services, Action<ImageFetcherOptions>? configure = null) =>
        services.AddGolemVmImages(configure, configureRegistry: null);

    /// <summary>Registers the same services as <see cref="AddGolemVmImages(IServiceCollection, Action{ImageFetcherOptions}?)"/>, configuring the registry client as well.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the fetcher options, or <see langword="null"/> for the defaults.</param>
    /// <param name="configureRegistry">Configures the registry options, or <see langword="null"/> for the defaults (the public Golem registry).</param>
    /// <returns>The fetcher options builder, for further configuration.</returns>
    public static OptionsBuilder<ImageFetcherOptions> AddGolemVmImages(this IServiceCollection services, Action<ImageFetcherOptions>? configure, Action<ImageRegistryOptions>? configureRegistry)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptionsWithValidateOnStart<ImageFetcherOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageFetcherOptions>, ImageFetcherOptionsValidator>());
        services.AddHttpClient(ImageFetcher.HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("identity");
                GolemUserAgent.Apply(client);
            })
            .ConfigurePrimaryHttpMessageHandler(ImageFetcher.CreateHttpHandler);
        services.TryAddSingleton(sp => new ImageCache(sp.GetRequiredService<IOptions<ImageFetcherOptions>>().Value.CacheDirectory, sp.GetService<TimeProvider>()));
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

        var registry = services.AddOptionsWithValidateOnStart<ImageRegistryOptions>();
        if (configureRegistry is not null)
        {
            registry.Configure(configureRegistry);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageRegistryOptions>, ImageRegistryOptionsValidator>());

        // The registry's Polly pipeline bounds each attempt (AttemptTimeout, up to 10 minutes); HttpClient's own
        // 100-second default would cut a longer configured attempt short with a different error.
        services.AddHttpClient(HttpImageRegistry.HttpClientName, client => GolemUserAgent.Apply(client).Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<IImageRegistry, HttpImageRegistry>();

        // The pusher sends the access token in request bodies: its client never follows a redirect.
        services.AddOptionsWithValidateOnStart<ImagePusherOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImagePusherOptions>, ImagePusherOptionsValidator>());
        services.AddHttpClient(ImagePusher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton(sp => new ImagePusher(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<ImageRegistryOptions>>(),
            sp.GetRequiredService<IOptions<ImagePusherOptions>>(),
            sp.GetService<TimeProvider>()));
        return builder;
    }
}
