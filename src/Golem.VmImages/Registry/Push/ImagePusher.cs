using Golem.VmImages.Gvmi;
using Microsoft.Extensions.Options;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// Pushes a .gvmi image to the Golem image registry the way gvmkit-build does, so either tool can resume or reuse
/// the other's upload: the same descriptor (<see cref="ImageDescriptor"/>), then only the chunks the registry lacks,
/// several at once, each retried on transient failures; then the wait for the registry to assemble the image, the
/// tag, and a check that <c>/v1/image/info</c> resolves to the pushed hash.
/// </summary>
/// <remarks>
/// With dependency injection, register the named client <see cref="HttpClientName"/> (no automatic redirects: the
/// access token travels in request bodies) with <see cref="ImageRegistryOptions"/> and <see cref="ImagePusherOptions"/>;
/// without it, use <see cref="Create"/>. An interrupted push loses nothing: the registry keeps the chunks it stored,
/// and the next push of the same file sends only the rest. Thread-safe.
/// </remarks>
public sealed class ImagePusher
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client the pusher uses: <c>Golem.VmImages.Push</c>.</summary>
    public const string HttpClientName = "Golem.VmImages.Push";

    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly HttpClient? _httpClient;
    private readonly ImageRegistryOptions _registryOptions;
    private readonly ImagePusherOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a pusher that takes its client from <paramref name="httpClientFactory"/> (named <see cref="HttpClientName"/>).</summary>
    /// <param name="httpClientFactory">The client factory.</param>
    /// <param name="registryOptions">The registry's address and the bounds of its small requests.</param>
    /// <param name="options">The upload settings.</param>
    /// <param name="timeProvider">The clock for timeouts, retry delays and the completion wait; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public ImagePusher(IHttpClientFactory httpClientFactory, IOptions<ImageRegistryOptions> registryOptions, IOptions<ImagePusherOptions> options, TimeProvider? timeProvider = null)
        : this(registryOptions?.Value!, options?.Value!, timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _httpClientFactory = httpClientFactory;
    }

    private ImagePusher(ImageRegistryOptions registryOptions, ImagePusherOptions options, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(registryOptions);
        ArgumentNullException.ThrowIfNull(options);
        _registryOptions = HttpImageRegistry.Snapshot(registryOptions);
        _options = options.Snapshot();
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    private ImagePusher(HttpClient httpClient, ImageRegistryOptions registryOptions, ImagePusherOptions options, TimeProvider? timeProvider)
        : this(registryOptions, options, timeProvider)
    {
        _httpClient = httpClient;
    }

    /// <summary>Creates a pusher that sends its requests through <paramref name="httpClient"/> (no dependency injection needed).</summary>
    /// <param name="httpClient">The client; give it a handler that does not follow redirects, since the access token travels in request bodies.</param>
    /// <param name="registryOptions">The registry's address and request bounds; the defaults (the public Golem registry) when <see langword="null"/>.</param>
    /// <param name="options">The upload settings; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The pusher.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public static ImagePusher Create(HttpClient httpClient, ImageRegistryOptions? registryOptions = null, ImagePusherOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return new ImagePusher(httpClient, registryOptions ?? new ImageRegistryOptions(), options ?? new ImagePusherOptions(), timeProvider);
    }

    /// <summary>Gets the registry's base address.</summary>
    public Uri BaseAddress => _registryOptions.BaseAddress;

    /// <summary>
    /// Pushes an image: checks the .gvmi trailer, reads the file once for its descriptor (not at all when
    /// <see cref="ImagePusherOptions.DescriptorCacheDirectory"/> remembers it for the unchanged file), checks the
    /// credentials and that the tag may be attached before any chunk is sent, sends the missing chunks, waits (bounded)
    /// for the registry to report the image complete, attaches the tag, and resolves the image to check the registry
    /// names the same hash.
    /// </summary>
    /// <param name="path">The .gvmi file.</param>
    /// <param name="options">The tag, credentials, chunk size and progress; anonymous with the defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the push; what the registry stored so far stays there for the next push to resume.</param>
    /// <returns>The descriptor, the tag and what the registry resolves the image to.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is empty; the tag is malformed; a tag without credentials or credentials without a tag;
    /// a tagged push to an <c>http://</c> registry without <see cref="ImagePushOptions.AllowInsecureHttp"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size is not positive, or makes more than <see cref="ImagePusherOptions.MaxChunks"/> chunks (the message suggests a chunk size).</exception>
    /// <exception cref="GvmiFormatException">The file is not a valid .gvmi image.</exception>
    /// <exception cref="IOException">The file cannot be read, or changed while it was read.</exception>
    /// <exception cref="ImageRegistryAuthorizationException">The registry refused the credentials or the tag (401 or 403).</exception>
    /// <exception cref="ImageRegistryStatusException">The registry refused a request (another 4xx), or kept failing it (408, 429, 5xx) after the retries.</exception>
    /// <exception cref="ImageUploadIncompleteException">The registry did not report the image complete within <see cref="ImagePusherOptions.CompletionTimeout"/>.</exception>
    /// <exception cref="ImageRegistryResponseException">The registry's answer is malformed, or it resolves the image to another hash.</exception>
    /// <exception cref="ImageRegistryException">The registry could not be reached or did not answer in time, after the retries.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public Task<ImagePushResult> PushAsync(string path, ImagePushOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ImagePushOptions();
        if (options.ChunkSize is { } chunkSize)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize, nameof(options.ChunkSize));
        }

        PushTag? tag = options.Tag is null ? null : PushTag.Parse(options.Tag);
        if (tag is { } given && options.Credentials is null)
        {
            throw new ArgumentException(ErrorMessages.PushTagWithoutCredentials(given.ToString()), nameof(options));
        }

        if (tag is null && options.Credentials is not null)
        {
            throw new ArgumentException(ErrorMessages.PushCredentialsWithoutTag, nameof(options));
        }

        if (tag is not null && BaseAddress.Scheme != Uri.UriSchemeHttps && !options.AllowInsecureHttp)
        {
            throw new ArgumentException(ErrorMessages.PushInsecureRegistry(BaseAddress), nameof(options));
        }

        var client = _httpClient ?? _httpClientFactory!.CreateClient(HttpClientName);
        return new PushRun(this, client, path, options, tag).RunAsync(cancellationToken);
    }

    /// <summary>One push: the steps in order, with the state they share.</summary>
    private sealed class PushRun(ImagePusher pusher, HttpClient httpClient, string path, ImagePushOptions options, PushTag? tag)
    {
        private readonly RegistryPushClient _registry = new(
            httpClient,
            pusher._registryOptions,
            pusher._options,
            pusher._timeProvider,
            options.Credentials?.Token);

        private long _bytesSent;
        private long _bytesToSend;
        private int _chunksSent;
        private int _chunksToSend;

        public async Task<ImagePushResult> RunAsync(CancellationToken cancellationToken)
        {
            if (options.ValidateImage)
            {
                await GvmiFile.ReadMetadataAsync(path, cancellationToken).ConfigureAwait(false);
            }

            var (descriptor, fromCache) = await HashAsync(cancellationToken).ConfigureAwait(false);
            Report(ImagePushPhase.Preparing);
            var credentials = options.Credentials;
            if (tag is not null)
            {
                await _registry.LoginAsync(credentials!, cancellationToken).ConfigureAwait(false);
            }

            var status = await _registry.GetStatusAsync(descriptor, cancellationToken).ConfigureAwait(false);
            if (!status.DescriptorKnown)
            {
                await _registry.PushDescriptorAsync(descriptor, cancellationToken).ConfigureAwait(false);
            }

            if (!status.Full)
            {
                if (tag is { } checkTag)
                {
                    await _registry.AttachAsync(descriptor, checkTag, credentials!, check: true, cancellationToken).ConfigureAwait(false);
                }

                status = await _registry.GetStatusAsync(descriptor, cancellationToken).ConfigureAwait(false);
                await UploadAsync(descriptor, [.. status.MissingChunks], cancellationToken).ConfigureAwait(false);
                Report(ImagePushPhase.Completing);
                await WaitUntilCompleteAsync(descriptor, cancellationToken).ConfigureAwait(false);
            }

            if (tag is { } attachTag)
            {
                Report(ImagePushPhase.Tagging);
                await _registry.AttachAsync(descriptor, attachTag, credentials!, check: false, cancellationToken).ConfigureAwait(false);
            }

            Report(ImagePushPhase.Resolving);
            var resolved = await ResolveAsync(descriptor, cancellationToken).ConfigureAwait(false);
            return new ImagePushResult(descriptor, tag?.ToString(), _chunksSent, resolved, _registry.DownloadUri(descriptor)) { DescriptorFromCache = fromCache };
        }

        private async Task<(ImageDescriptor Descriptor, bool FromCache)> HashAsync(CancellationToken cancellationToken)
        {
            var size = new FileInfo(path).Length;
            var chunkSize = options.ChunkSize ?? ImageDescriptor.GetDefaultChunkSize(size);
            var chunkCount = ImageDescriptor.GetChunkCount(size, chunkSize);
            var maxChunks = pusher._options.MaxChunks;
            if (chunkCount > maxChunks)
            {
                var smallest = ImageDescriptor.GetChunkCount(size, maxChunks);
                var suggested = ImageDescriptor.GetChunkCount(smallest, 1L << 20) << 20;
                throw new ArgumentOutOfRangeException(ErrorMessages.PushTooManyChunks(size, chunkSize, chunkCount, maxChunks, suggested), innerException: null);
            }

            _bytesToSend = size;
            if (pusher._options.DescriptorCacheDirectory is { } cacheDirectory)
            {
                return await new DescriptorCache(cacheDirectory).GetOrComputeAsync(path, chunkSize, token => ComputeAsync(size, chunkSize, token), cancellationToken).ConfigureAwait(false);
            }

            return (await ComputeAsync(size, chunkSize, cancellationToken).ConfigureAwait(false), false);
        }

        /// <summary>Reads the whole file for its descriptor, reporting the <see cref="ImagePushPhase.Hashing"/> phase.</summary>
        private Task<ImageDescriptor> ComputeAsync(long size, long chunkSize, CancellationToken cancellationToken)
        {
            Report(ImagePushPhase.Hashing);
            var progress = options.Progress is { } sink
                ? new Progress(read => sink.Report(new ImagePushProgress(ImagePushPhase.Hashing, read, size, 0, 0)))
                : null;
            return ImageDescriptor.ComputeAsync(path, chunkSize, progress, cancellationToken);
        }

        private async Task UploadAsync(ImageDescriptor descriptor, int[] missing, CancellationToken cancellationToken)
        {
            _chunksToSend = missing.Length;
            _bytesToSend = missing.Sum(index => descriptor.GetChunkLength(index));
            _bytesSent = 0;
            Report(ImagePushPhase.Uploading);
            if (missing.Length == 0)
            {
                return;
            }

            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = pusher._options.MaxParallelUploads, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(missing, parallel, async (index, token) =>
            {
                await _registry.PushChunkAsync(descriptor, file, path, index, Sent, token).ConfigureAwait(false);
                Interlocked.Increment(ref _chunksSent);
                Report(ImagePushPhase.Uploading);
            }).ConfigureAwait(false);
        }

        private async Task WaitUntilCompleteAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
        {
            var clock = pusher._timeProvider;
            var timeout = pusher._options.CompletionTimeout;
            var started = clock.GetTimestamp();
            var checks = 0;
            while (true)
            {
                var status = await _registry.GetStatusAsync(descriptor, cancellationToken).ConfigureAwait(false);
                checks++;
                if (status.Full)
                {
                    return;
                }

                var remaining = timeout - clock.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new ImageUploadIncompleteException(
                        ErrorMessages.PushIncomplete(descriptor.ImageHash, descriptor.Sha256, timeout, checks, status.MissingCount, descriptor.ChunkCount),
                        new Uri(pusher._registryOptions.BaseAddress, "v1/image/descr/" + descriptor.Sha256),
                        descriptor.Sha256,
                        status.MissingCount);
                }

                await Task.Delay(Min(pusher._options.CompletionPollInterval, remaining), clock, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Resolves the tag (or, anonymous, the hash) with <c>dev=true</c>, waiting within the completion bound for a tag to appear; checks the hash.</summary>
        private async Task<ResolvedImage> ResolveAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
        {
            var registry = HttpImageRegistry.Create(httpClient, pusher._registryOptions, pusher._timeProvider);
            var query = (tag is { } t ? ImageQuery.ByTag(t.ToString()) : ImageQuery.ByHash(descriptor.ImageHash)) with { DevMode = true, UseHttps = options.UseHttps };
            var what = tag is { } named ? "the tag '" + named + "'" : "the image " + descriptor.ImageHash;
            var clock = pusher._timeProvider;
            var timeout = pusher._options.CompletionTimeout;
            var started = clock.GetTimestamp();
            while (true)
            {
                try
                {
                    var resolved = await registry.ResolveAsync(query, cancellationToken).ConfigureAwait(false);
                    if (resolved.ImageHash != descriptor.ImageHash)
                    {
                        throw new ImageRegistryResponseException(ErrorMessages.PushResolvedOtherImage(what, resolved.ImageHash, descriptor.ImageHash), registry.GetRequestUri(query));
                    }

                    return resolved;
                }
                catch (ImageNotFoundException ex)
                {
                    var remaining = timeout - clock.GetElapsedTime(started);
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw new ImageRegistryException(ErrorMessages.PushNotResolvable(what, pusher.BaseAddress, timeout), ex.RequestUri, ex);
                    }

                    await Task.Delay(Min(pusher._options.CompletionPollInterval, remaining), clock, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private void Sent(long bytes)
        {
            Interlocked.Add(ref _bytesSent, bytes);
            if (options.Progress is not null)
            {
                Report(ImagePushPhase.Uploading);
            }
        }

        private void Report(ImagePushPhase phase) =>
            options.Progress?.Report(new ImagePushProgress(phase, Interlocked.Read(ref _bytesSent), _bytesToSend, Volatile.Read(ref _chunksSent), _chunksToSend));

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls back synchronously (no synchronization context hop).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
