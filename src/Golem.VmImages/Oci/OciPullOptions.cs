using Golem.VmImages.Fetching;

namespace Golem.VmImages.Oci;

/// <summary>How <see cref="Building.GvmiBuilder"/> pulls an image from a container registry (OCI distribution API).</summary>
public sealed class OciPullOptions
{
    private bool _certificateRejected;

    /// <summary>Gets or sets a value indicating whether a registry that is not on this machine may be reached over plain http (https is tried first).</summary>
    /// <value>The default is <see langword="false"/>: only loopback registries (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>[::1]</c>) may answer over plain http, as Docker allows.</value>
    public bool AllowPlainHttp { get; set; }

    /// <summary>Gets or sets a PEM file of CA certificates trusted for the registry's TLS certificate, besides the system trust store.</summary>
    /// <value>The default is <see langword="null"/>: the system trust store alone.</value>
    public string? CaCertificateFile { get; set; }

    /// <summary>Gets or sets the cache directory; verified blobs are kept content-addressed under its <c>oci/sha256/</c> folder, partial downloads under <c>oci/partial/</c>.</summary>
    /// <value>The default is <see cref="ImageFetcherOptions.DefaultCacheDirectory"/>, shared with the image fetcher.</value>
    public string CacheDirectory { get; set; } = ImageFetcherOptions.DefaultCacheDirectory;

    /// <summary>Gets or sets how many layers download at once.</summary>
    /// <value>The default is 3. Valid from 1 to 16.</value>
    public int MaxParallelDownloads { get; set; } = 3;

    /// <summary>Gets or sets the attempts per request (the first try included) for connection failures, cut transfers, 408, 429 and 5xx; a cut blob resumes with <c>Range</c>.</summary>
    /// <value>The default is 5. Valid from 1 to 20.</value>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the first back-off delay between attempts; it doubles with each attempt, with jitter.</summary>
    /// <value>The default is 1 second. Valid from 0 to 1 minute.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the user name sent to the registry, instead of the credentials found in the Docker and containers auth files.</summary>
    /// <value>The default is <see langword="null"/>: the auth files (<c>$REGISTRY_AUTH_FILE</c>, <c>$XDG_RUNTIME_DIR/containers/auth.json</c>, <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>, and their credential helpers), else anonymous.</value>
    public string? UserName { get; set; }

    /// <summary>Gets or sets the password or token sent with <see cref="UserName"/>. It never reaches a message, a log or the disk.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Password { get; set; }

    /// <summary>Gets or sets the auth file to read credentials from (Docker <c>config.json</c> or containers <c>auth.json</c> format), instead of looking for them.</summary>
    /// <value>The default is <see langword="null"/>: the files named under <see cref="UserName"/>.</value>
    public string? AuthFile { get; set; }

    /// <summary>Gets or sets where each layer's download progress is reported.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IProgress<OciLayerProgress>? Progress { get; set; }

    /// <summary>
    /// Gets or sets the client the pull's requests go through, for example a named client of an
    /// <c>IHttpClientFactory</c> whose primary handler is <see cref="CreateHttpHandler"/>. Its handler must not follow
    /// redirects (the pull follows them itself and drops <c>Authorization</c> when the host changes) nor decompress;
    /// it trusts the certificates its handler trusts (<see cref="CreateHttpHandler"/> adds <see cref="CaCertificateFile"/>).
    /// The pull does not dispose it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the pull makes a client on <see cref="CreateHttpHandler"/> and disposes it.</value>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Gets or sets the clock retries wait on.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets a value indicating whether a handler made by <see cref="CreateHttpHandler"/> rejected a registry's certificate (such a registry speaks TLS and is never retried over plain http).</summary>
    internal bool CertificateRejected => Volatile.Read(ref _certificateRejected);

    /// <summary>
    /// Creates the primary handler a pull needs, for <see cref="HttpClient"/>: no redirects followed, no decompression, a
    /// 30-second connect timeout, and a registry certificate trusted by the system store or by the CAs of
    /// <see cref="CaCertificateFile"/>.
    /// </summary>
    /// <returns>A new handler; the caller owns it.</returns>
    /// <exception cref="OciRegistryRequestException"><see cref="CaCertificateFile"/> cannot be read or holds no PEM certificate.</exception>
    public SocketsHttpHandler CreateHttpHandler() => OciRegistryClient.CreateHandler(CaCertificateFile, () => Volatile.Write(ref _certificateRejected, true));

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(CacheDirectory, nameof(CacheDirectory));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelDownloads, 1, nameof(MaxParallelDownloads));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxParallelDownloads, 16, nameof(MaxParallelDownloads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxAttempts, 20, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RetryDelay, TimeSpan.FromMinutes(1), nameof(RetryDelay));
        if ((UserName is null) != (Password is null))
        {
            throw new ArgumentException(ErrorMessages.OciCredentialsHalf, UserName is null ? nameof(UserName) : nameof(Password));
        }
    }
}
