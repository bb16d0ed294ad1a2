using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Golem.VmImages.Http;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes to an HTTP server that accepts <c>PUT</c> (nginx's dav module, Apache mod_dav, a WebDAV host, a plain
/// upload endpoint). Where the server also takes WebDAV <c>MOVE</c>, the image is PUT under a hidden staging name in
/// the target directory, then moved to its final name, so the final URL never serves a partial upload even on a
/// server that writes a PUT body in place; where it answers <c>MOVE</c> with 405 or 501, the image is PUT straight to
/// its final name. Every <c>PUT</c> sends <c>Expect: 100-continue</c>, so a refusal (401, 403, 413) arrives before the
/// body is sent. Basic authentication is sent with every request, and a <c>User-Agent</c> unless the client sets one.
/// </summary>
public sealed class HttpPublishTarget : IImagePublishTarget
{
    /// <summary>The environment variable holding the user name for <see cref="FindCredential"/>.</summary>
    public const string UserVariable = "GVMI_PUBLISH_USER";

    /// <summary>The environment variable holding the password for <see cref="FindCredential"/>.</summary>
    public const string PasswordVariable = "GVMI_PUBLISH_PASSWORD";

    private const int BodyExcerpt = 200;

    private static readonly HttpMethod Move = new("MOVE");

    private readonly HttpClient _httpClient;
    private readonly Uri _directory;
    private readonly Uri? _publicBaseUrl;
    private readonly AuthenticationHeaderValue? _authorization;
    private bool? _moveSupported;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="httpClient">The client for the uploads.</param>
    /// <param name="baseUrl">The directory URL images are published under, like <c>https://host/images/</c>; it must carry no credentials.</param>
    /// <param name="credential">The basic-authentication credential, or <see langword="null"/> for none (see <see cref="FindCredential"/>).</param>
    /// <param name="publicBaseUrl">The URL the same directory is served at publicly, when it differs from <paramref name="baseUrl"/>.</param>
    public HttpPublishTarget(HttpClient httpClient, Uri baseUrl, NetworkCredential? credential = null, Uri? publicBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(baseUrl);
        RequireHttp(baseUrl, nameof(baseUrl));
        if (publicBaseUrl is not null)
        {
            RequireHttp(publicBaseUrl, nameof(publicBaseUrl));
        }

        if (credential is not null && baseUrl.Scheme == Uri.UriSchemeHttp && !baseUrl.IsLoopback)
        {
            throw new ArgumentException(ErrorMessages.CredentialsOverHttp(UrlRedaction.Redact(baseUrl)), nameof(credential));
        }

        _httpClient = httpClient;
        _directory = PublishKey.AsDirectory(baseUrl);
        _publicBaseUrl = publicBaseUrl;
        _authorization = credential is null
            ? null
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
    }

    /// <inheritdoc />
    public string DisplayName => UrlRedaction.Redact(_directory);

    /// <summary>
    /// Finds the basic-authentication credential for <paramref name="url"/>: the <see cref="UserVariable"/> and
    /// <see cref="PasswordVariable"/> environment variables when both are set, else the <c>machine</c> (or
    /// <c>default</c>) entry for its host in <paramref name="netrcPath"/>.
    /// </summary>
    /// <param name="url">The target URL.</param>
    /// <param name="netrcPath">The .netrc file; <see langword="null"/> for <c>~/.netrc</c> (or the <c>NETRC</c> environment variable).</param>
    /// <returns>The credential, or <see langword="null"/> when none is configured.</returns>
    public static NetworkCredential? FindCredential(Uri url, string? netrcPath = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        var user = Environment.GetEnvironmentVariable(UserVariable);
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (!string.IsNullOrEmpty(user) && password is not null)
        {
            return new NetworkCredential(user, password);
        }

        netrcPath ??= Environment.GetEnvironmentVariable("NETRC")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".netrc");
        return File.Exists(netrcPath) ? Netrc.Find(File.ReadAllText(netrcPath), url.Host) : null;
    }

    /// <inheritdoc />
    public Uri GetPublicUrl(string key)
    {
        PublishKey.Validate(key, nameof(key));
        return PublishKey.Resolve(_publicBaseUrl ?? _directory, key);
    }

    /// <inheritdoc />
    public Task<PublishedObjectInfo?> GetObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        PublishKey.Validate(key, nameof(key));
        return GetObjectCoreAsync(PublishKey.Resolve(_directory, key), cancellationToken);
    }

    /// <inheritdoc />
    public Task<ImageHash> HashObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        PublishKey.Validate(key, nameof(key));
        return HashObjectCoreAsync(PublishKey.Resolve(_directory, key), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IStagedImage> StageAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentException.ThrowIfNullOrEmpty(stagingName);
        return StageCoreAsync(content, length, stagingName, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Asks once per instance, with a <c>MOVE</c> of a name that does not exist (nothing is created): 405 Method Not
    /// Allowed or 501 Not Implemented means the server cannot move a staged upload. Wrong credentials fail here,
    /// before any body is sent.
    /// </remarks>
    /// <exception cref="ImagePublishException">The server refused the credentials or could not be reached.</exception>
    public async ValueTask<bool> SupportsStagingAsync(CancellationToken cancellationToken = default)
    {
        if (_moveSupported is { } known)
        {
            return known;
        }

        var probe = new Uri(_directory, $".gvmi-move-probe-{Guid.NewGuid():N}");
        using var response = await SendAsync(Move, probe, null, cancellationToken, headers =>
        {
            headers.Add("Destination", probe.AbsoluteUri + ".moved");
            headers.Add("Overwrite", "F");
        }).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ImagePublishException(ErrorMessages.TargetAuth("MOVE", DisplayName, response.StatusCode)) { StatusCode = response.StatusCode };
        }

        _moveSupported = response.StatusCode is not (HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented);
        return _moveSupported.Value;
    }

    /// <inheritdoc />
    public Task<IStagedImage> UploadInPlaceAsync(Stream content, long length, string key, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        PublishKey.Validate(key, nameof(key));
        return UploadInPlaceCoreAsync(content, length, PublishKey.Resolve(_directory, key), overwrite, cancellationToken);
    }

    private static void RequireHttp(Uri url, string paramName)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException(ErrorMessages.NotHttpUrl(url.IsAbsoluteUri ? UrlRedaction.Redact(url) : "(relative URL)"), paramName);
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw new ArgumentException(ErrorMessages.CredentialsInUrl(UrlRedaction.Redact(url)), paramName);
        }
    }

    private async Task<PublishedObjectInfo?> GetObjectCoreAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Head, url, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        await EnsureSuccessAsync(response, "HEAD", url, cancellationToken).ConfigureAwait(false);
        return new PublishedObjectInfo(response.Content.Headers.ContentLength ?? -1, null);
    }

    private async Task<ImageHash> HashObjectCoreAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, url, null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "GET", url, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var owned = body.ConfigureAwait(false);
        return await ImageHasher.HashDataAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IStagedImage> StageCoreAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken)
    {
        var staging = new Uri(_directory, $".{stagingName}.{Guid.NewGuid():N}.partial");
        try
        {
            await PutAsync(content, length, staging, cancellationToken).ConfigureAwait(false);
            return new Staged(this, staging);
        }
        catch
        {
            await DeleteQuietlyAsync(staging).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<IStagedImage> UploadInPlaceCoreAsync(Stream content, long length, Uri final, bool overwrite, CancellationToken cancellationToken)
    {
        try
        {
            await PutAsync(content, length, final, cancellationToken).ConfigureAwait(false);
            return new InPlace(this, final);
        }
        catch (Exception ex) when (!overwrite && ex is not ImagePublishException { StatusCode: not null })
        {
            // The key was free: whatever an interrupted PUT left there (on a server that writes in place) is removed.
            await DeleteQuietlyAsync(final).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>PUTs the image with <c>Expect: 100-continue</c>; failures name the target directory, never a staging name.</summary>
    private async Task PutAsync(Stream content, long length, Uri url, CancellationToken cancellationToken)
    {
        var body = new StreamContent(content, 1 << 20);
        body.Headers.ContentLength = length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await SendAsync(HttpMethod.Put, url, body, cancellationToken, headers => headers.ExpectContinue = true, shown: _directory).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var message = response.StatusCode switch
        {
            HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented => ErrorMessages.PutRefused(DisplayName, response.StatusCode),
            HttpStatusCode.Conflict => ErrorMessages.PutFolderMissing(DisplayName),
            HttpStatusCode.RequestEntityTooLarge => ErrorMessages.PutTooLarge(DisplayName, length),
            _ => null,
        };
        if (message is not null)
        {
            throw new ImagePublishException(message) { StatusCode = response.StatusCode };
        }

        await EnsureSuccessAsync(response, "PUT", _directory, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, HttpContent? content, CancellationToken cancellationToken, Action<HttpRequestHeaders>? headers = null, Uri? shown = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = _authorization;
        if (_httpClient.DefaultRequestHeaders.UserAgent.Count == 0)
        {
            request.Headers.UserAgent.Add(GolemUserAgent.Value);
        }

        headers?.Invoke(request.Headers);
        try
        {
            return await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ImagePublishException(ErrorMessages.TargetUnreachable(UrlRedaction.Redact(shown ?? url), Reason(ex)), ex);
        }
    }

    private static string Reason(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => "the connection was refused or failed.",
        HttpRequestError.NameResolutionError => "the host name did not resolve.",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed.",
        _ => ex.InnerException is IOException io ? io.Message : ex.Message,
    };

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, Uri url, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var shown = UrlRedaction.Redact(url);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ImagePublishException(ErrorMessages.TargetAuth(what, shown, response.StatusCode)) { StatusCode = response.StatusCode };
        }

        var text = what == "HEAD" || response.Content.Headers.ContentType?.MediaType == "text/html" ? null : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var detail = text is null ? null : string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (detail?.Length > BodyExcerpt)
        {
            detail = detail[..BodyExcerpt] + "…";
        }

        throw new ImagePublishException(ErrorMessages.TargetStatus(what, shown, response.StatusCode, detail)) { StatusCode = response.StatusCode };
    }

    private async Task DeleteQuietlyAsync(Uri url)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), TimeProvider.System);
            using var response = await SendAsync(HttpMethod.Delete, url, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ImagePublishException or OperationCanceledException or HttpRequestException)
        {
            // Best effort: the staging name is hidden and never served as an image.
        }
    }

    /// <summary>An image PUT straight to its final URL: committing changes nothing, discarding deletes it.</summary>
    private sealed class InPlace(HttpPublishTarget target, Uri final) : IStagedImage
    {
        private bool _committed;

        public Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
        {
            _committed = true;
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                await target.DeleteQuietlyAsync(final).ConfigureAwait(false);
            }
        }
    }

    private sealed class Staged(HttpPublishTarget target, Uri staging) : IStagedImage
    {
        private bool _committed;

        public async Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
        {
            PublishKey.Validate(key, nameof(key));
            var final = PublishKey.Resolve(target._directory, key);
            using var response = await target.SendAsync(Move, staging, null, cancellationToken, headers =>
            {
                headers.Add("Destination", final.AbsoluteUri);
                headers.Add("Overwrite", overwrite ? "T" : "F");
            }).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                throw new ImageKeyConflictException(ErrorMessages.KeyAppeared(target.DisplayName, key)) { Key = key, StatusCode = response.StatusCode };
            }

            if (response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
            {
                throw new ImagePublishException(ErrorMessages.MoveUnsupported(target.DisplayName, response.StatusCode)) { StatusCode = response.StatusCode };
            }

            await EnsureSuccessAsync(response, "MOVE", target._directory, cancellationToken).ConfigureAwait(false);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                await target.DeleteQuietlyAsync(staging).ConfigureAwait(false);
            }
        }
    }
}
