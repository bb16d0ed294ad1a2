using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Http;
using Polly;
using Polly.Retry;

namespace Golem.VmImages.Oci;

/// <summary>
/// A client of one repository on a container registry (the OCI distribution API): the <c>/v2/</c> check that picks
/// https (or, where allowed, plain http), manifests and blobs, redirects followed by hand (the
/// <c>Authorization</c> header is dropped when the host changes), Bearer tokens (anonymous or with credentials, from
/// the realm, service and scope of <c>WWW-Authenticate</c>) and Basic auth, and retries of transient failures.
/// </summary>
internal sealed class OciRegistryClient : IDisposable
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";

    private const int MaxRedirects = 5;
    private const int MaxManifestBytes = 4 << 20;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ImageReference _reference;
    private readonly OciPullOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private Uri? _base;
    private AuthenticationHeaderValue? _authorization;
    private BasicCredentials? _credentials;
    private bool _credentialsRead;

    private OciRegistryClient(HttpClient http, bool ownsHttp, ImageReference reference, OciPullOptions options)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        _reference = reference;
        _options = options;
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider ?? TimeProvider.System };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TransientRegistryFailure),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is TransientRegistryFailure { RetryAfter: { } retryAfter }
                    ? (TimeSpan?)(retryAfter > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : retryAfter)
                    : null),
            });
        }

        _retry = builder.Build();
    }

    /// <summary>Gets the registry's API address as <c>scheme://host[:port]</c>, once <see cref="ConnectAsync"/> chose it.</summary>
    public Uri? BaseAddress => _base;

    /// <summary>
    /// A client for <paramref name="reference"/>'s repository whose requests go through <see cref="OciPullOptions.HttpClient"/>,
    /// or, when that is <see langword="null"/>, through a client of its own on <see cref="OciPullOptions.CreateHttpHandler"/>
    /// that it disposes.
    /// </summary>
    public static OciRegistryClient Create(ImageReference reference, OciPullOptions options) =>
        options.HttpClient is { } supplied
            ? new OciRegistryClient(supplied, ownsHttp: false, reference, options)
            : new OciRegistryClient(GolemUserAgent.Apply(new HttpClient(options.CreateHttpHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan }), ownsHttp: true, reference, options);

    /// <summary>
    /// The handler the pull's requests need: no redirects followed (the client follows them itself, dropping
    /// <c>Authorization</c> when the host changes), no decompression (blobs are verified as stored), and a certificate
    /// trusted by the system store or, with <paramref name="caCertificateFile"/>, by its CAs; a rejected certificate is
    /// noted through <paramref name="rejected"/>, so a registry that speaks TLS is never retried over plain http.
    /// </summary>
    internal static SocketsHttpHandler CreateHandler(string? caCertificateFile, Action rejected)
    {
        X509Certificate2Collection? extraRoots = null;
        if (caCertificateFile is { } caFile)
        {
            extraRoots = [];
            try
            {
                extraRoots.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new OciRegistryRequestException(ErrorMessages.OciCaFile(caFile, ex.Message), null, null, ex);
            }

            if (extraRoots.Count == 0)
            {
                throw new OciRegistryRequestException(ErrorMessages.OciCaFile(caFile, "no PEM certificate found"), null, null, null);
            }
        }

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            var trusted = errors == SslPolicyErrors.None
                || (extraRoots is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is X509Certificate2 leaf && TrustedBy(leaf, chain, extraRoots));
            if (!trusted)
            {
                rejected();
            }

            return trusted;
        };
        return handler;
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        _authLock.Dispose();
    }

    /// <summary>Finds the registry's scheme with <c>GET /v2/</c> (https; plain http only for loopback or when allowed) and authenticates if it asks.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct => await ConnectOnceAsync(ct).ConfigureAwait(false), cancellationToken).AsTask().WrapTransient(_options.MaxAttempts);

    /// <summary>Gets a manifest or index by tag or digest; its bytes are checked against the digest asked for, or the registry's <c>Docker-Content-Digest</c>.</summary>
    public Task<(byte[] Bytes, string MediaType, string Digest)> GetManifestAsync(string reference, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct => await GetManifestOnceAsync(reference, ct).ConfigureAwait(false), cancellationToken).AsTask().WrapTransient(_options.MaxAttempts);

    /// <summary>
    /// Downloads a blob into <paramref name="partialPath"/>, resuming what is already there with <c>Range</c>, and
    /// checks its SHA-256 and length; a cut transfer is retried from where it stopped.
    /// </summary>
    public Task DownloadBlobAsync(string digest, long size, string partialPath, Action<long> progress, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct => await DownloadBlobOnceAsync(digest, size, partialPath, progress, ct).ConfigureAwait(false), cancellationToken).AsTask().WrapTransient(_options.MaxAttempts);

    private static bool TrustedBy(X509Certificate2 leaf, X509Chain? presented, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }

    private async Task ConnectOnceAsync(CancellationToken cancellationToken)
    {
        if (_base is not null)
        {
            return;
        }

        var host = _reference.Registry == ImageReference.DockerHub ? "registry-1.docker.io" : _reference.Registry;
        var plainAllowed = _reference.IsLoopbackRegistry || _options.AllowPlainHttp;
        HttpResponseMessage response;
        var https = new Uri("https://" + host + "/");
        try
        {
            response = await _http.GetAsync(new Uri(https, "v2/"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            _base = https;
        }
        catch (HttpRequestException ex) when (plainAllowed && !_options.CertificateRejected && ex.HttpRequestError is HttpRequestError.SecureConnectionError or HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded)
        {
            // Docker's rule for insecure (and loopback) registries: https first, plain http when the TLS handshake fails.
            var http = new Uri("http://" + host + "/");
            response = await SendRawAsync(new Uri(http, "v2/"), cancellationToken).ConfigureAwait(false);
            _base = http;
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            throw new OciRegistryRequestException(ErrorMessages.OciTls(_reference.Registry, ex.Message), https, null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientRegistryFailure(ErrorMessages.OciUnreachable(_reference.Registry, ex.Message), https, null, ex);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await AuthenticateAsync(response, cancellationToken).ConfigureAwait(false);
            }
            else if (!response.IsSuccessStatusCode)
            {
                throw await StatusFailureAsync(response, "/v2/", isManifest: false).ConfigureAwait(false);
            }
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientRegistryFailure(ErrorMessages.OciUnreachable(_reference.Registry, ex.Message), uri, null, ex);
        }
    }

    private async Task<(byte[] Bytes, string MediaType, string Digest)> GetManifestOnceAsync(string reference, CancellationToken cancellationToken)
    {
        var path = "v2/" + _reference.Repository + "/manifests/" + reference;
        using var response = await SendAsync(path, null, [OciIndex, DockerList, OciManifest, DockerManifest], cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await StatusFailureAsync(response, path, isManifest: true).ConfigureAwait(false);
        }

        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new OciRegistryRequestException(ErrorMessages.OciManifestTooLarge(_reference.ToString(), MaxManifestBytes), response.RequestMessage?.RequestUri, (int)response.StatusCode, null);
        }

        byte[] bytes;
        try
        {
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new TransientRegistryFailure(ErrorMessages.OciCut(_reference.Registry, ex.Message), response.RequestMessage?.RequestUri, null, ex);
        }

        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var expected = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference
            : response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header && header.StartsWith("sha256:", StringComparison.Ordinal) ? header
            : actual;
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new OciDigestMismatchException(ErrorMessages.OciDigestMismatch("the manifest of " + _reference, expected, actual), expected, actual);
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not (OciIndex or DockerList or OciManifest or DockerManifest))
        {
            // Some registries answer application/json: the manifest says what it is.
            try
            {
                using var json = JsonDocument.Parse(bytes);
                mediaType = json.RootElement.TryGetProperty("mediaType", out var type) ? type.GetString()
                    : json.RootElement.TryGetProperty("manifests", out _) ? OciIndex : OciManifest;
            }
            catch (JsonException ex)
            {
                throw new OciRegistryRequestException(ErrorMessages.OciManifestJson(_reference.ToString(), ex.Message), response.RequestMessage?.RequestUri, (int)response.StatusCode, ex);
            }
        }

        if (mediaType is not (OciIndex or DockerList or OciManifest or DockerManifest))
        {
            throw new OciRegistryRequestException(ErrorMessages.OciManifestType(_reference.ToString(), mediaType ?? "none"), response.RequestMessage?.RequestUri, (int)response.StatusCode, null);
        }

        return (bytes, mediaType, actual);
    }

    private async Task DownloadBlobOnceAsync(string digest, long size, string partialPath, Action<long> progress, CancellationToken cancellationToken)
    {
        var file = new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            if (file.Length > size)
            {
                file.SetLength(0);
            }

            // What a cut transfer left is hashed again, then only the rest is asked for.
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            var offset = file.Length;
            progress(offset);
            if (offset < size)
            {
                var path = "v2/" + _reference.Repository + "/blobs/" + digest;
                using var response = await SendAsync(path, offset > 0 ? new RangeHeaderValue(offset, null) : null, null, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw await StatusFailureAsync(response, path, isManifest: false).ConfigureAwait(false);
                }

                if (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset)
                {
                    // The registry sent the whole blob: start again from its first byte.
                    file.SetLength(0);
                    hash.GetHashAndReset();
                    offset = 0;
                    progress(0);
                }

                try
                {
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    await using (body.ConfigureAwait(false))
                    {
                        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            if (offset + read > size)
                            {
                                break;
                            }

                            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            hash.AppendData(buffer, 0, read);
                            offset += read;
                            progress(offset);
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new TransientRegistryFailure(ErrorMessages.OciCut(_reference.Registry, ex.Message), response.RequestMessage?.RequestUri, null, ex);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (offset < size)
                {
                    throw new TransientRegistryFailure(ErrorMessages.OciBlobShort(digest, offset, size), response.RequestMessage?.RequestUri, null, null);
                }
            }

            var actual = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
            if (offset != size || !string.Equals(actual, digest, StringComparison.Ordinal))
            {
                file.SetLength(0);
                throw new OciDigestMismatchException(ErrorMessages.OciDigestMismatch("the blob " + digest + " of " + _reference, digest, actual), digest, actual);
            }
        }
    }

    /// <summary>Sends a GET to the registry, following redirects by hand and authenticating once on a 401 from the registry itself.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, RangeHeaderValue? range, string[]? accept, CancellationToken cancellationToken)
    {
        await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
        var uri = new Uri(_base!, path);
        var authenticated = false;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Range = range;
            foreach (var type in accept ?? [])
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            var sameOrigin = Uri.Compare(uri, _base, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
            if (sameOrigin)
            {
                request.Headers.Authorization = _authorization;
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new TransientRegistryFailure(ErrorMessages.OciUnreachable(uri.Authority, ex.Message), Redacted(uri), null, ex);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && sameOrigin && !authenticated)
            {
                authenticated = true;
                using (response)
                {
                    await AuthenticateAsync(response, cancellationToken).ConfigureAwait(false);
                }

                hop--;
                continue;
            }

            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new OciRegistryRequestException(ErrorMessages.OciRedirects(_reference.Registry, MaxRedirects), Redacted(uri), 310, null);
                }

                var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                if (next.Scheme == Uri.UriSchemeHttp && uri.Scheme == Uri.UriSchemeHttps && !_options.AllowPlainHttp && !next.IsLoopback)
                {
                    throw new OciRegistryRequestException(ErrorMessages.OciRedirectToHttp(UrlRedaction.Redact(next)), Redacted(uri), (int)response.StatusCode, null);
                }

                uri = next;
                continue;
            }

            return response;
        }
    }

    private async Task AuthenticateAsync(HttpResponseMessage challenge, CancellationToken cancellationToken)
    {
        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_credentialsRead)
            {
                _credentials = await RegistryAuthFiles.FindAsync(_reference, _options, cancellationToken).ConfigureAwait(false);
                _credentialsRead = true;
            }

            var header = challenge.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                ?? challenge.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
            var uri = Redacted(challenge.RequestMessage?.RequestUri);
            if (header is null)
            {
                throw new OciRegistryAuthorizationException(ErrorMessages.OciUnauthorized(_reference.Registry, _credentials is not null), uri, 401);
            }

            if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                var credentials = _credentials ?? throw new OciRegistryAuthorizationException(ErrorMessages.OciUnauthorized(_reference.Registry, false), uri, 401);
                _authorization = BasicHeader(credentials);
                return;
            }

            var parameters = Challenge.Parse(header.Parameter ?? string.Empty);
            if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
            {
                throw new OciRegistryRequestException(ErrorMessages.OciBadChallenge(_reference.Registry), uri, 401, null);
            }

            var query = new StringBuilder();
            if (parameters.TryGetValue("service", out var service))
            {
                query.Append("service=").Append(Uri.EscapeDataString(service));
            }

            var scope = "repository:" + _reference.Repository + ":pull";
            query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=").Append(Uri.EscapeDataString(scope));
            var tokenUri = new UriBuilder(realmUri) { Query = (realmUri.Query.Length > 1 ? realmUri.Query[1..] + "&" : string.Empty) + query }.Uri;
            if (tokenUri.Scheme == Uri.UriSchemeHttp && _credentials is not null && !tokenUri.IsLoopback && !_options.AllowPlainHttp)
            {
                throw new OciRegistryRequestException(ErrorMessages.OciTokenOverHttp(UrlRedaction.Redact(tokenUri)), Redacted(tokenUri), null, null);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
            if (_credentials is not null)
            {
                request.Headers.Authorization = BasicHeader(_credentials);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new TransientRegistryFailure(ErrorMessages.OciUnreachable(tokenUri.Authority, ex.Message), Redacted(tokenUri), null, ex);
            }

            using (response)
            {
                if ((int)response.StatusCode is 401 or 403)
                {
                    throw new OciRegistryAuthorizationException(ErrorMessages.OciTokenRefused(_reference.Registry, (int)response.StatusCode, _credentials is not null), Redacted(tokenUri), (int)response.StatusCode);
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await StatusFailureAsync(response, tokenUri.AbsolutePath, isManifest: false).ConfigureAwait(false);
                }

                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                string? token = null;
                try
                {
                    using var json = JsonDocument.Parse(bytes);
                    token = json.RootElement.TryGetProperty("token", out var t) && t.GetString() is { Length: > 0 } value ? value
                        : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
                }
                catch (JsonException)
                {
                    // Reported below, without the body (it may hold a token).
                }

                _authorization = token is { Length: > 0 } ? new AuthenticationHeaderValue("Bearer", token)
                    : throw new OciRegistryRequestException(ErrorMessages.OciTokenAnswer(_reference.Registry), Redacted(tokenUri), (int)response.StatusCode, null);
            }
        }
        finally
        {
            _authLock.Release();
        }
    }

    private static AuthenticationHeaderValue BasicHeader(BasicCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.UserName + ":" + credentials.Password)));

    private async Task<Exception> StatusFailureAsync(HttpResponseMessage response, string path, bool isManifest)
    {
        var status = (int)response.StatusCode;
        var uri = Redacted(response.RequestMessage?.RequestUri);
        var detail = await RegistryErrorTextAsync(response).ConfigureAwait(false);
        return status switch
        {
            401 or 403 => new OciRegistryAuthorizationException(ErrorMessages.OciForbidden(_reference.ToString(), status, detail, _credentials is not null), uri, status),
            404 => new OciImageNotFoundException(
                isManifest ? ErrorMessages.OciManifestUnknown(_reference.ToString(), detail) : ErrorMessages.OciBlobUnknown(path, _reference.ToString(), detail),
                _reference.ToString(),
                uri),
            408 or 429 or >= 500 => new TransientRegistryFailure(ErrorMessages.OciStatus(_reference.Registry, status, detail), uri, status, null)
            {
                RetryAfter = response.Headers.RetryAfter?.Delta,
            },
            _ => new OciRegistryRequestException(ErrorMessages.OciStatus(_reference.Registry, status, detail), uri, status, null),
        };
    }

    /// <summary>The registry's own words for an error (<c>{"errors":[{"code","message"}]}</c>), never more than the codes and messages.</summary>
    private async Task<string> RegistryErrorTextAsync(HttpResponseMessage response)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            using var json = JsonDocument.Parse(bytes.AsMemory(0, Math.Min(bytes.Length, 1 << 16)));
            var parts = json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                ? errors.EnumerateArray()
                    .Select(e => string.Join(": ", new[] { e.TryGetProperty("code", out var c) ? c.GetString() : null, e.TryGetProperty("message", out var m) ? m.GetString() : null }.OfType<string>()))
                    .Where(s => s.Length > 0)
                : [];
            var text = string.Join("; ", parts);
            if (_credentials is { Password.Length: > 0 } credentials)
            {
                text = text.Replace(credentials.Password, "***", StringComparison.Ordinal);
            }

            return text.Length > 300 ? text[..300] + "..." : text;
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private static Uri? Redacted(Uri? uri) => uri is null ? null : new Uri(UrlRedaction.Redact(uri));

    /// <summary>Parses the parameters of a <c>WWW-Authenticate</c> challenge: <c>key="value"</c> pairs separated by commas.</summary>
    internal static class Challenge
    {
        public static Dictionary<string, string> Parse(string parameters)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var i = 0;
            while (i < parameters.Length)
            {
                while (i < parameters.Length && (parameters[i] == ',' || char.IsWhiteSpace(parameters[i])))
                {
                    i++;
                }

                var equals = parameters.IndexOf('=', i);
                if (equals < 0)
                {
                    break;
                }

                var key = parameters[i..equals].Trim();
                i = equals + 1;
                var value = new StringBuilder();
                if (i < parameters.Length && parameters[i] == '"')
                {
                    for (i++; i < parameters.Length && parameters[i] != '"'; i++)
                    {
                        if (parameters[i] == '\\' && i + 1 < parameters.Length)
                        {
                            i++;
                        }

                        value.Append(parameters[i]);
                    }

                    i++;
                }
                else
                {
                    var end = parameters.IndexOf(',', i);
                    end = end < 0 ? parameters.Length : end;
                    value.Append(parameters.AsSpan(i, end - i).Trim());
                    i = end;
                }

                result[key] = value.ToString();
            }

            return result;
        }
    }
}

/// <summary>A failure worth retrying: no answer, a cut transfer, 408, 429 or 5xx; turned into <see cref="OciRegistryRequestException"/> when the attempts run out.</summary>
internal sealed class TransientRegistryFailure(string message, Uri? requestUri, int? statusCode, Exception? innerException) : Exception(message, innerException)
{
    public Uri? RequestUri { get; } = requestUri;

    public int? StatusCode { get; } = statusCode;

    public TimeSpan? RetryAfter { get; init; }
}

internal static class TransientRegistryFailureExtensions
{
    /// <summary>Turns the last transient failure into the public exception, saying how many attempts were made.</summary>
    public static async Task<T> WrapTransient<T>(this Task<T> task, int attempts)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (TransientRegistryFailure ex)
        {
            throw new OciRegistryRequestException(ErrorMessages.OciGaveUp(ex.Message, attempts), ex.RequestUri, ex.StatusCode, ex);
        }
    }

    /// <inheritdoc cref="WrapTransient{T}(Task{T}, int)"/>
    public static async Task WrapTransient(this Task task, int attempts)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (TransientRegistryFailure ex)
        {
            throw new OciRegistryRequestException(ErrorMessages.OciGaveUp(ex.Message, attempts), ex.RequestUri, ex.StatusCode, ex);
        }
    }
}
