using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Golem.VmImages.Registry;

/// <summary>
/// The Golem image registry over HTTP: <c>GET {BaseAddress}/v1/image/info?tag=...|hash=...&amp;count=true|dev=true</c>,
/// answered with <c>{"http": url, "https": url, "sha3": hex, "size": bytes}</c>. Each attempt is bounded by
/// <see cref="ImageRegistryOptions.AttemptTimeout"/>; transport errors (including an answer cut off midway), timeouts, 408, 429 and 5xx are retried
/// <see cref="ImageRegistryOptions.MaxRetryAttempts"/> times with exponential back-off (Polly).
/// </summary>
/// <remarks>
/// With dependency injection, register the named client <see cref="HttpClientName"/> and
/// <see cref="ImageRegistryOptions"/>; without it, use <see cref="Create"/> with an <see cref="HttpClient"/>. Thread-safe.
/// </remarks>
public sealed class HttpImageRegistry : IImageRegistry
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client the registry uses: <c>Golem.VmImages.Registry</c>.</summary>
    public const string HttpClientName = "Golem.VmImages.Registry";

    /// <summary>The largest registry answer read, in bytes: 1 MiB (a real answer is a few hundred bytes).</summary>
    public const int MaxResponseBytes = 1 << 20;

    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly HttpClient? _httpClient;
    private readonly ImageRegistryOptions _options;
    private readonly ResiliencePipeline<RegistryAnswer> _pipeline;

    /// <summary>Initializes a registry that takes its client from <paramref name="httpClientFactory"/> (named <see cref="HttpClientName"/>).</summary>
    /// <param name="httpClientFactory">The client factory.</param>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock for timeouts and retry delays; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public HttpImageRegistry(IHttpClientFactory httpClientFactory, IOptions<ImageRegistryOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = Snapshot(options.Value);
        _pipeline = BuildPipeline(_options, timeProvider ?? TimeProvider.System);
    }

    private HttpImageRegistry(HttpClient httpClient, ImageRegistryOptions options, TimeProvider timeProvider)
    {
        _httpClient = httpClient;
        _options = Snapshot(options);
        _pipeline = BuildPipeline(_options, timeProvider);
    }

    /// <summary>Creates a registry that sends its requests through <paramref name="httpClient"/> (no dependency injection needed).</summary>
    /// <param name="httpClient">The client; its <see cref="HttpClient.BaseAddress"/> is not used.</param>
    /// <param name="options">The settings; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timeouts and retry delays; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public static HttpImageRegistry Create(HttpClient httpClient, ImageRegistryOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return new HttpImageRegistry(httpClient, options ?? new ImageRegistryOptions(), timeProvider ?? TimeProvider.System);
    }

    /// <summary>Gets the registry's base address.</summary>
    public Uri BaseAddress => _options.BaseAddress;

    /// <inheritdoc/>
    public Task<ResolvedImage> ResolveAsync(ImageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ResolveCoreAsync(query, cancellationToken);
    }

    /// <summary>Builds the request URL for <paramref name="query"/>: <c>{BaseAddress}/v1/image/info?...</c>.</summary>
    /// <param name="query">The query.</param>
    /// <returns>The absolute request URL.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    public Uri GetRequestUri(ImageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new Uri(string.Concat(_options.BaseAddress.AbsoluteUri.TrimEnd('/'), "/v1/image/info?", query.ToQueryString()));
    }

    private async Task<ResolvedImage> ResolveCoreAsync(ImageQuery query, CancellationToken cancellationToken)
    {
        var requestUri = GetRequestUri(query);
        var client = _httpClient ?? _httpClientFactory!.CreateClient(HttpClientName);
        var attempts = 0;
        RegistryAnswer answer;
        try
        {
            answer = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    return await SendAsync(client, requestUri, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new ImageRegistryException(ErrorMessages.RegistryTimedOut(requestUri, attempts, _options.AttemptTimeout), requestUri, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ImageRegistryException(ErrorMessages.RegistryUnreachable(requestUri, attempts), requestUri, ex);
        }
        catch (IOException ex)
        {
            // The connection broke while the body was read (HttpIOException and friends).
            throw new ImageRegistryException(ErrorMessages.RegistryAnswerCutOff(requestUri, attempts, ex.Message), requestUri, ex);
        }

        if (answer.StatusCode == HttpStatusCode.NotFound)
        {
            var message = query.Tag is { } tag
                ? ErrorMessages.RegistryImageNotFoundByTag(tag, _options.BaseAddress)
                : ErrorMessages.RegistryImageNotFoundByHash(query.Hash!.Value, _options.BaseAddress);
            throw new ImageNotFoundException(message, requestUri, query.Tag, query.Hash);
        }

        if (answer.StatusCode != HttpStatusCode.OK)
        {
            var excerpt = Excerpt(answer.Body);
            throw new ImageRegistryStatusException(ErrorMessages.RegistryStatus(requestUri, (int)answer.StatusCode, excerpt), requestUri, answer.StatusCode, excerpt);
        }

        if (answer.TooLarge)
        {
            throw new ImageRegistryResponseException(ErrorMessages.RegistryBodyTooLarge(requestUri, MaxResponseBytes), requestUri);
        }

        return ParseAnswer(answer.Body, query, requestUri);
    }

    private static async Task<RegistryAnswer> SendAsync(HttpClient client, Uri requestUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, requestUri);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    return new RegistryAnswer(response.StatusCode, buffer.ToArray(), TooLarge: true);
                }

                buffer.Write(chunk, 0, read);
            }

            return new RegistryAnswer(response.StatusCode, buffer.ToArray(), TooLarge: false);
        }
    }

    private static ResolvedImage ParseAnswer(byte[] body, ImageQuery query, Uri requestUri)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new ImageRegistryResponseException(ErrorMessages.RegistryMalformedJson(requestUri, ex.Message), requestUri, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ImageRegistryResponseException(ErrorMessages.RegistryNotAnObject(requestUri, root.ValueKind.ToString().ToLowerInvariant()), requestUri);
            }

            const string HashExpectation = "a SHA3-224 image hash of 56 hexadecimal characters";
            var sha3 = RequiredString(root, "sha3", HashExpectation, requestUri);
            if (sha3.Length != ImageHash.HexLength || !ImageHash.TryParse(sha3, out var hash))
            {
                throw new ImageRegistryResponseException(ErrorMessages.RegistryBadMember(requestUri, "sha3", Quote(sha3), HashExpectation), requestUri);
            }

            if (query.Hash is { } requested && requested != hash)
            {
                throw new ImageRegistryResponseException(ErrorMessages.RegistryHashMismatch(requestUri, requested, hash), requestUri);
            }

            const string SizeExpectation = "the image size as a non-negative integer";
            if (!root.TryGetProperty("size", out var sizeElement))
            {
                throw new ImageRegistryResponseException(ErrorMessages.RegistryMissingMember(requestUri, "size", SizeExpectation), requestUri);
            }

            if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var size) || size < 0)
            {
                throw new ImageRegistryResponseException(ErrorMessages.RegistryBadMember(requestUri, "size", sizeElement.GetRawText(), SizeExpectation), requestUri);
            }

            var httpUrl = OptionalUrl(root, "http", requestUri);
            var httpsUrl = OptionalUrl(root, "https", requestUri);
            var link = query.UseHttps ? "https" : "http";
            var url = (query.UseHttps ? httpsUrl : httpUrl)
                ?? throw new ImageRegistryResponseException(ErrorMessages.RegistryMissingMember(requestUri, link, "the image's " + link + " download URL"), requestUri);
            return new ResolvedImage(new ImagePackage(hash, url), size, httpUrl, httpsUrl);
        }
    }

    private static string RequiredString(JsonElement root, string name, string expectation, Uri requestUri)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new ImageRegistryResponseException(ErrorMessages.RegistryMissingMember(requestUri, name, expectation), requestUri);
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw new ImageRegistryResponseException(ErrorMessages.RegistryBadMember(requestUri, name, element.GetRawText(), expectation), requestUri);
    }

    private static Uri? OptionalUrl(JsonElement root, string name, Uri requestUri)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var expectation = "an absolute http or https URL";
        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : null;
        if (text is null
            || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ImageRegistryResponseException(ErrorMessages.RegistryBadMember(requestUri, name, text is null ? element.GetRawText() : Quote(text), expectation), requestUri);
        }

        return url;
    }

    private static string Quote(string s) => "'" + (s.Length > 100 ? string.Concat(s.AsSpan(0, 100), "...") : s) + "'";

    internal static string Excerpt(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, ImageRegistryStatusException.MaxExcerptLength * 4));
        var builder = new StringBuilder(Math.Min(text.Length, ImageRegistryStatusException.MaxExcerptLength));
        foreach (var c in text)
        {
            if (builder.Length == ImageRegistryStatusException.MaxExcerptLength)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }

    internal static ImageRegistryOptions Snapshot(ImageRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = new ImageRegistryOptions
        {
            BaseAddress = options.BaseAddress,
            AttemptTimeout = options.AttemptTimeout,
            MaxRetryAttempts = options.MaxRetryAttempts,
            RetryDelay = options.RetryDelay,
        };
        var failures = ImageRegistryOptionsValidator.Collect(copy);
        return failures.Count == 0 ? copy : throw new ArgumentException(string.Join(" ", failures), nameof(options));
    }

    private static ResiliencePipeline<RegistryAnswer> BuildPipeline(ImageRegistryOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<RegistryAnswer> { TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<RegistryAnswer>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<RegistryAnswer>()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(answer => IsTransient(answer.StatusCode)),
            });
        }

        return builder.AddTimeout(options.AttemptTimeout).Build();
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private sealed record RegistryAnswer(HttpStatusCode StatusCode, byte[] Body, bool TooLarge);
}
