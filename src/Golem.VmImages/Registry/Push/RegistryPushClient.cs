using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// The upload endpoints of the registry as gvmkit-build calls them, each request through a Polly pipeline: bounded
/// attempts, retries with exponential back-off and jitter (or the registry's <c>Retry-After</c>) on transport errors,
/// timeouts, 408, 429 and 5xx; any other non-success answer fails at once with the registry's message. Whatever the
/// registry echoes, the access token is cut out of every message.
/// </summary>
internal sealed class RegistryPushClient
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly HttpClient _client;
    private readonly string _base;
    private readonly string? _secret;
    private readonly ResiliencePipeline<RegistryReply> _requestPipeline;
    private readonly ResiliencePipeline<RegistryReply> _chunkPipeline;
    private readonly ImageRegistryOptions _registryOptions;
    private readonly ImagePusherOptions _options;

    public RegistryPushClient(HttpClient client, ImageRegistryOptions registryOptions, ImagePusherOptions options, TimeProvider timeProvider, string? secret)
    {
        _client = client;
        _base = registryOptions.BaseAddress.AbsoluteUri.TrimEnd('/');
        _secret = secret;
        _registryOptions = registryOptions;
        _options = options;
        _requestPipeline = BuildPipeline(options, registryOptions.AttemptTimeout, timeProvider);
        _chunkPipeline = BuildPipeline(options, options.ChunkAttemptTimeout, timeProvider);
        TimeProvider = timeProvider;
    }

    public TimeProvider TimeProvider { get; }

    public Uri DownloadUri(ImageDescriptor descriptor) => new(_base + "/download/" + descriptor.Sha256);

    /// <summary><c>POST /auth/pat/login</c> with <c>{"username", "password"}</c>: 200 means the token is valid.</summary>
    public async Task LoginAsync(RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + "/auth/pat/login");
        var json = JsonSerializer.SerializeToUtf8Bytes(new LoginBody(credentials.UserName, credentials.Token), RegistryPushJsonContext.Default.LoginBody);
        var reply = await SendAsync("the login", uri, _requestPipeline, () => new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        }, cancellationToken).ConfigureAwait(false);
        if (reply.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var excerpt = Redact(reply.Excerpt());
            throw new ImageRegistryAuthorizationException(ErrorMessages.PushLoginRejected(uri, (int)reply.StatusCode, excerpt), uri, reply.StatusCode, excerpt);
        }

        EnsureSuccess("the login", uri, reply);
    }

    /// <summary><c>GET /v1/image/descr/{sha256}</c>: whether the registry knows the upload, and which chunks it has.</summary>
    public async Task<UploadStatus> GetStatusAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + "/v1/image/descr/" + descriptor.Sha256);
        var reply = await SendAsync("the upload status", uri, _requestPipeline, () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess && reply.StatusCode != HttpStatusCode.NotFound)
        {
            EnsureSuccess("the upload status", uri, reply);
        }

        return UploadStatus.Parse(reply, descriptor.ChunkCount, uri);
    }

    /// <summary><c>POST /v1/image/push/descr</c>, the descriptor as the form part <c>file</c>.</summary>
    public async Task PushDescriptorAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + "/v1/image/push/descr");
        var reply = await SendAsync("the descriptor", uri, _requestPipeline, () => new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = Form([], new ReadOnlyMemoryContent(descriptor.Bytes)),
        }, cancellationToken).ConfigureAwait(false);
        EnsureSuccess("the descriptor", uri, reply);
    }

    /// <summary>
    /// <c>POST /v1/image/descr/attach/{sha256}</c> with the fields <c>tag</c>, <c>username</c>, <c>repository</c>,
    /// <c>login</c>, <c>token</c> and, to only ask whether it would be allowed, <c>check=true</c>.
    /// </summary>
    public async Task AttachAsync(ImageDescriptor descriptor, PushTag tag, RegistryCredentials credentials, bool check, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + "/v1/image/descr/attach/" + descriptor.Sha256);
        List<KeyValuePair<string, string>> fields =
        [
            new("tag", tag.Version),
            new("username", tag.User),
            new("repository", tag.Repository),
            new("login", credentials.UserName),
            new("token", credentials.Token),
        ];
        if (check)
        {
            fields.Add(new("check", "true"));
        }

        var what = check ? "the tag check" : "the tag";
        var reply = await SendAsync(what, uri, _requestPipeline, () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = Form(fields, file: null) }, cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess && !reply.IsTransient)
        {
            var excerpt = Redact(reply.Excerpt());
            var message = ErrorMessages.PushAttachRefused(uri, tag.ToString(), (int)reply.StatusCode, excerpt);
            throw reply.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? new ImageRegistryAuthorizationException(message, uri, reply.StatusCode, excerpt)
                : new ImageRegistryStatusException(message, uri, reply.StatusCode, excerpt);
        }

        EnsureSuccess(what, uri, reply);
    }

    /// <summary>
    /// <c>POST /v1/image/push/chunk</c> with the fields <c>descr-sha256</c>, <c>chunk-no</c>, <c>chunk-sha256</c>,
    /// <c>chunk-pos</c>, <c>chunk-len</c> and the chunk as the part <c>file</c>, read from the file on each attempt.
    /// </summary>
    public async Task PushChunkAsync(ImageDescriptor descriptor, SafeFileHandle file, string path, int index, Action<long> sent, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base + "/v1/image/push/chunk");
        var offset = descriptor.GetChunkOffset(index);
        var length = descriptor.GetChunkLength(index);
        List<KeyValuePair<string, string>> fields =
        [
            new("descr-sha256", descriptor.Sha256),
            new("chunk-no", index.ToString(CultureInfo.InvariantCulture)),
            new("chunk-sha256", Convert.ToHexStringLower(descriptor.GetChunkHash(index))),
            new("chunk-pos", offset.ToString(CultureInfo.InvariantCulture)),
            new("chunk-len", length.ToString(CultureInfo.InvariantCulture)),
        ];
        FileRangeContent? attempt = null;
        var what = string.Create(CultureInfo.InvariantCulture, $"chunk {index}");
        var reply = await SendAsync(what, uri, _chunkPipeline, () =>
        {
            // A retry sends the chunk again from its start: take back what the failed attempt counted.
            if (attempt is not null)
            {
                sent(-attempt.BytesSent);
            }

            attempt = new FileRangeContent(file, path, offset, length, sent);
            return new HttpRequestMessage(HttpMethod.Post, uri) { Content = Form(fields, attempt) };
        }, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(what, uri, reply);
    }

    private async Task<RegistryReply> SendAsync(string what, Uri uri, ResiliencePipeline<RegistryReply> pipeline, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            var reply = await pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    using var request = createRequest();
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                    return await RegistryReply.ReadAsync(response, TimeProvider, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (reply.IsTransient)
            {
                var excerpt = Redact(reply.Excerpt());
                throw new ImageRegistryStatusException(ErrorMessages.PushGaveUp(what, uri, (int)reply.StatusCode, attempts, excerpt), uri, reply.StatusCode, excerpt);
            }

            return reply;
        }
        catch (TimeoutRejectedException ex)
        {
            var timeout = ReferenceEquals(pipeline, _chunkPipeline) ? _options.ChunkAttemptTimeout : _registryOptions.AttemptTimeout;
            throw new ImageRegistryException(ErrorMessages.PushTimedOut(what, uri, attempts, timeout), uri, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new ImageRegistryException(ErrorMessages.PushUnreachable(what, uri, attempts, Redact(ex.Message)), uri, ex);
        }
    }

    private void EnsureSuccess(string what, Uri uri, RegistryReply reply)
    {
        if (reply.IsSuccess)
        {
            return;
        }

        var excerpt = Redact(reply.Excerpt());
        var message = ErrorMessages.PushRequestFailed(what, uri, (int)reply.StatusCode, excerpt);
        throw reply.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? new ImageRegistryAuthorizationException(message, uri, reply.StatusCode, excerpt)
            : new ImageRegistryStatusException(message, uri, reply.StatusCode, excerpt);
    }

    private string Redact(string text) =>
        string.IsNullOrEmpty(_secret) ? text : text.Replace(_secret, "***", StringComparison.Ordinal);

    /// <summary>
    /// A <c>multipart/form-data</c> body shaped like reqwest's: text fields without a content type, then the part
    /// <c>file</c> named <c>descriptor.txt</c> as <c>application/octet-stream</c>, and an unquoted boundary.
    /// </summary>
    private static MultipartFormDataContent Form(List<KeyValuePair<string, string>> fields, HttpContent? file)
    {
        var boundary = Guid.NewGuid().ToString("N");
        var form = new MultipartFormDataContent(boundary);
        form.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=" + boundary);
        foreach (var (name, value) in fields)
        {
            var part = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote(name) };
            form.Add(part);
        }

        if (file is not null)
        {
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote("file"), FileName = Quote("descriptor.txt") };
            form.Add(file);
        }

        return form;

        static string Quote(string s) => "\"" + s + "\"";
    }

    private static ResiliencePipeline<RegistryReply> BuildPipeline(ImagePusherOptions options, TimeSpan attemptTimeout, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<RegistryReply> { TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<RegistryReply>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryDelay,
                MaxDelay = MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<RegistryReply>()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(reply => reply.IsTransient),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result?.RetryAfter is { } retryAfter
                        ? (TimeSpan?)TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, 0, MaxRetryDelay.Ticks))
                        : null),
            });
        }

        return builder.AddTimeout(attemptTimeout).Build();
    }

    internal sealed record LoginBody(string Username, string Password);
}
