using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Polly;
using Polly.Retry;

namespace Golem.VmImages.Publishing.S3;

/// <summary>
/// Publishes to S3-compatible object storage. The image goes up as a multipart upload (bounded part size, parts in
/// parallel, each retried) to a staging key, which a later run resumes (parts already stored are not sent again);
/// then it is copied server-side to its final key with its hash as <c>x-amz-meta-golem-sha3</c>, and the staging
/// object is deleted. A failed or cancelled upload is aborted, so no multipart upload is left behind.
/// </summary>
/// <remarks>
/// Staging keys are <c>PREFIX/.gvmi-staging/gvmi-upload-&lt;source&gt;-&lt;version&gt;</c>: the source part comes from the
/// file's full path, the version part from its length, modification time and, on Linux, device and inode. A run
/// killed mid-upload (kill -9) leaves its multipart upload open; the next run of the same unchanged file resumes it,
/// and the next run after the file changed aborts it (and any other upload of an earlier version of that path)
/// before it starts anew. To find leftovers by hand: <c>aws s3api list-multipart-uploads --bucket BUCKET --prefix PREFIX/.gvmi-staging/</c>;
/// a bucket lifecycle rule (<c>AbortIncompleteMultipartUpload</c>) removes those of files never published again.
/// </remarks>
public sealed class S3PublishTarget : IImagePublishTarget, IDisposable
{
    /// <summary>The user metadata name the image hash is stored under (sent as <c>x-amz-meta-golem-sha3</c>).</summary>
    public const string HashMetadataName = "golem-sha3";

    private const long MaxCopySize = 5L << 30;
    private const long CopyPartSize = 1L << 30;
    private const string StagingFolder = ".gvmi-staging";

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3PublishTargetOptions _options;
    private readonly bool _unsignedPayload;
    private readonly ResiliencePipeline _partPipeline;

    /// <summary>Initializes a new instance over a client the caller configured (and keeps owning).</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="options">The bucket, prefix and upload settings.</param>
    public S3PublishTarget(IAmazonS3 client, S3PublishTargetOptions options)
        : this(client, options, ownsClient: false)
    {
    }

    private S3PublishTarget(IAmazonS3 client, S3PublishTargetOptions options, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        _unsignedPayload = options.PayloadSigning switch
        {
            S3PayloadSigning.Off => true,
            S3PayloadSigning.On => false,
            _ => options.ServiceUrl is { Scheme: "https" },
        };
        _partPipeline = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxPartAttempts - 1,
                Delay = options.PartRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();
    }

    /// <inheritdoc />
    public string DisplayName => Location(_options.Prefix);

    /// <summary>
    /// Creates a target with its own client: credentials from the standard AWS chain (environment, profile, instance
    /// role), and for a custom endpoint the settings non-AWS stores need (checksums only where required, unsigned
    /// payloads over https) unless <paramref name="options"/> says otherwise.
    /// </summary>
    /// <param name="options">The bucket, prefix, endpoint and upload settings.</param>
    /// <returns>The target; dispose it to dispose its client.</returns>
    public static S3PublishTarget Create(S3PublishTargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        return new S3PublishTarget(new AmazonS3Client(CreateConfig(options)), options, ownsClient: true);
    }

    /// <summary>Returns the client configuration <see cref="Create"/> uses, for callers that build their own client.</summary>
    /// <param name="options">The endpoint, region and checksum settings.</param>
    /// <returns>A new configuration.</returns>
    public static AmazonS3Config CreateConfig(S3PublishTargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.AbsoluteUri;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        var whenRequired = options.Checksums == S3ChecksumMode.WhenRequired
            || (options.Checksums == S3ChecksumMode.Auto && options.ServiceUrl is not null);
        if (whenRequired)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return config;
    }

    /// <inheritdoc />
    public Uri GetPublicUrl(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var objectKey = FullKey(key);
        if (_options.PublicBaseUrl is { } publicBase)
        {
            return Resolve(publicBase, objectKey);
        }

        if (_options.ServiceUrl is { } endpoint)
        {
            return _options.ForcePathStyle
                ? Resolve(endpoint, _options.Bucket + "/" + objectKey)
                : Resolve(new UriBuilder(endpoint) { Host = _options.Bucket + "." + endpoint.Host }.Uri, objectKey);
        }

        var region = _client.Config.RegionEndpoint?.SystemName ?? _options.Region ?? "us-east-1";
        return Resolve(new Uri($"https://{_options.Bucket}.s3.{region}.amazonaws.com/"), objectKey);
    }

    /// <inheritdoc />
    public async Task<PublishedObjectInfo?> GetObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var objectKey = FullKey(key);
        try
        {
            var metadata = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
            var stored = metadata.Metadata[HashMetadataName];
            return new PublishedObjectInfo(metadata.ContentLength, ImageHash.TryParse(stored, out var hash) ? hash : null);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket")
        {
            if (await BucketIsMissingAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Translate("HEAD", objectKey, new AmazonS3Exception("NoSuchBucket", ErrorType.Sender, "NoSuchBucket", null, HttpStatusCode.NotFound));
            }

            return null;
        }
        catch (Exception ex) when (IsSdkFailure(ex))
        {
            throw Translate("HEAD", objectKey, ex);
        }
    }

    /// <inheritdoc />
    public async Task<ImageHash> HashObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var objectKey = FullKey(key);
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
            return await ImageHasher.HashDataAsync(response.ResponseStream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsSdkFailure(ex))
        {
            throw Translate("GET", objectKey, ex);
        }
    }

    /// <inheritdoc />
    public Task<IStagedImage> StageAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentException.ThrowIfNullOrEmpty(stagingName);
        return StageCoreAsync(content, length, FullKey(StagingFolder + "/" + stagingName), cancellationToken);
    }

    /// <summary>Disposes the client when this target created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <summary>Returns the part size for an image of <paramref name="length"/> bytes: the configured one, doubled until the image fits in <see cref="S3PublishTargetOptions.MaxParts"/> parts.</summary>
    internal static long PartSizeFor(long length, int configured)
    {
        long size = configured;
        while ((length + size - 1) / size > S3PublishTargetOptions.MaxParts)
        {
            size *= 2;
        }

        return size;
    }

    private static void Validate(S3PublishTargetOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, S3PublishTargetOptions.MinPartSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PartSize, S3PublishTargetOptions.MaxPartSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentParts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentParts, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPartAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxPartAttempts, 20, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartRetryDelay, TimeSpan.Zero, nameof(options));

        foreach (var (url, what) in new[] { (options.ServiceUrl, "S3 endpoint"), (options.PublicBaseUrl, "public base URL") })
        {
            if (url is not null && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.UserInfo)))
            {
                throw new ArgumentException(S3ErrorMessages.NotHttpUrl(what), nameof(options));
            }
        }

        if (options.PayloadSigning == S3PayloadSigning.Off && options.ServiceUrl is { Scheme: "http" } endpoint)
        {
            throw new ArgumentException(S3ErrorMessages.UnsignedOverHttp(endpoint), nameof(options));
        }
    }

    private static Uri Resolve(Uri baseUrl, string path)
    {
        var directory = baseUrl.AbsolutePath.EndsWith('/') ? baseUrl : new UriBuilder(baseUrl) { Path = baseUrl.AbsolutePath + "/" }.Uri;
        return new Uri(directory, string.Join('/', path.Split('/').Select(Uri.EscapeDataString)));
    }

    private static bool IsSdkFailure(Exception ex) => ex is AmazonServiceException or AmazonClientException or HttpRequestException;

    private static bool IsTransient(Exception ex) => ex switch
    {
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests } => true,
        AmazonServiceException { StatusCode: 0, InnerException: HttpRequestException or IOException } => true,
        HttpRequestException or IOException => true,
        _ => false,
    };

    private string FullKey(string key) => _options.Prefix.Length == 0 ? key : _options.Prefix + "/" + key;

    private string Location(string objectKey) => "s3://" + _options.Bucket + (objectKey.Length == 0 ? string.Empty : "/" + objectKey);

    private ImagePublishException Translate(string operation, string objectKey, Exception ex)
    {
        var location = Location(objectKey);
        return ex switch
        {
            AmazonServiceException { StatusCode: not 0 } service => new ImagePublishException(
                S3ErrorMessages.Failed(operation, location, service.StatusCode, service.ErrorCode, service.Message), ex)
            { StatusCode = service.StatusCode },
            _ => new ImagePublishException(S3ErrorMessages.Unreachable(operation, location, Innermost(ex).Message), ex),
        };
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private async Task<bool> BucketIsMissingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
    }

    private async Task<IStagedImage> StageCoreAsync(Stream content, long length, string stagingKey, CancellationToken cancellationToken)
    {
        var partSize = PartSizeFor(length, _options.PartSize);
        await AbortChangedSourceUploadsAsync(stagingKey, cancellationToken).ConfigureAwait(false);
        var (uploadId, stored) = await FindOrStartUploadAsync(stagingKey, cancellationToken).ConfigureAwait(false);
        try
        {
            var etags = await UploadPartsAsync(content, length, partSize, stagingKey, uploadId, stored, cancellationToken).ConfigureAwait(false);
            await Call("complete the upload of", stagingKey, () => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = _options.Bucket,
                    Key = stagingKey,
                    UploadId = uploadId,
                    PartETags = [.. etags.Select((etag, i) => new PartETag(i + 1, etag))],
                },
                cancellationToken)).ConfigureAwait(false);
            return new Staged(this, stagingKey, length);
        }
        catch
        {
            await AbortQuietlyAsync(stagingKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Aborts the multipart uploads a killed run left for an earlier version of the same source file: staging keys
    /// that share the source part of <paramref name="stagingKey"/> (<c>gvmi-upload-&lt;source&gt;-</c>) but not its version.
    /// </summary>
    private async Task AbortChangedSourceUploadsAsync(string stagingKey, CancellationToken cancellationToken)
    {
        var folder = stagingKey[..(stagingKey.LastIndexOf('/') + 1)];
        if (StagingNames.SourceOf(stagingKey[folder.Length..]) is not { } source)
        {
            return;
        }

        var prefix = folder + source;
        string? keyMarker = null;
        string? uploadIdMarker = null;
        while (true)
        {
            var uploads = await Call("list the multipart uploads of", prefix, () => _client.ListMultipartUploadsAsync(
                new ListMultipartUploadsRequest { BucketName = _options.Bucket, Prefix = prefix, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker }, cancellationToken)).ConfigureAwait(false);
            foreach (var stale in (uploads.MultipartUploads ?? []).Where(u => u.Key != stagingKey && u.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                await Call("abort the left-over upload of", stale.Key, () => _client.AbortMultipartUploadAsync(
                    new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = stale.Key, UploadId = stale.UploadId }, cancellationToken)).ConfigureAwait(false);
            }

            if (uploads.IsTruncated != true || uploads.NextKeyMarker is null)
            {
                return;
            }

            keyMarker = uploads.NextKeyMarker;
            uploadIdMarker = uploads.NextUploadIdMarker;
        }
    }

    private async Task<(string UploadId, Dictionary<int, PartDetail> Stored)> FindOrStartUploadAsync(string stagingKey, CancellationToken cancellationToken)
    {
        var uploads = await Call("list the multipart uploads of", stagingKey, () => _client.ListMultipartUploadsAsync(
            new ListMultipartUploadsRequest { BucketName = _options.Bucket, Prefix = stagingKey }, cancellationToken)).ConfigureAwait(false);
        var previous = (uploads.MultipartUploads ?? []).Where(u => u.Key == stagingKey).OrderByDescending(u => u.Initiated).FirstOrDefault();
        if (previous is not null)
        {
            var stored = new Dictionary<int, PartDetail>();
            int? marker = null;
            while (true)
            {
                var parts = await Call("list the stored parts of", stagingKey, () => _client.ListPartsAsync(
                    new ListPartsRequest { BucketName = _options.Bucket, Key = stagingKey, UploadId = previous.UploadId, PartNumberMarker = marker?.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken)).ConfigureAwait(false);
                foreach (var part in parts.Parts ?? [])
                {
                    if (part.PartNumber is { } number)
                    {
                        stored[number] = part;
                    }
                }

                if (parts.IsTruncated != true || parts.NextPartNumberMarker is null)
                {
                    break;
                }

                marker = parts.NextPartNumberMarker;
            }

            return (previous.UploadId, stored);
        }

        // Not cancelled half-way: an upload the server started but whose id never arrived could not be aborted. A
        // cancellation is seen by the first part, and the caller aborts the upload.
        var started = await Call("start the upload of", stagingKey, () => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = stagingKey, ContentType = "application/octet-stream" }, CancellationToken.None)).ConfigureAwait(false);
        return (started.UploadId, []);
    }

    private async Task<string[]> UploadPartsAsync(Stream content, long length, long partSize, string stagingKey, string uploadId, Dictionary<int, PartDetail> stored, CancellationToken cancellationToken)
    {
        var count = length == 0 ? 1 : (int)((length + partSize - 1) / partSize);
        var etags = new string[count];
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffers = new PartBufferPool(_options.MaxConcurrentParts, (int)Math.Clamp(length, 1, partSize));
        var running = new List<Task>();
        try
        {
            for (var number = 1; number <= count; number++)
            {
                var buffer = await buffers.RentAsync(failed.Token).ConfigureAwait(false);
                var size = (int)Math.Min(partSize, length - ((number - 1) * partSize));
                try
                {
                    await content.ReadExactlyAsync(buffer.AsMemory(0, size), failed.Token).ConfigureAwait(false);
                }
                catch
                {
                    buffers.Return(buffer);
                    throw;
                }

                var partNumber = number;
                running.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            etags[partNumber - 1] = await UploadPartAsync(stagingKey, uploadId, partNumber, buffer, size, stored, failed.Token).ConfigureAwait(false);
                        }
                        catch
                        {
                            await failed.CancelAsync().ConfigureAwait(false);
                            throw;
                        }
                        finally
                        {
                            buffers.Return(buffer);
                        }
                    },
                    CancellationToken.None));
                running.RemoveAll(t => t.IsCompletedSuccessfully);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && running.Any(t => t.IsFaulted))
        {
            // A part failed and stopped the reading; its exception is reported below.
        }
        finally
        {
            try
            {
                await Task.WhenAll(running).ConfigureAwait(false);
            }
            catch when (running.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) is { } first)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first.Exception!.InnerException!);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return etags;
    }

    private async Task<string> UploadPartAsync(string stagingKey, string uploadId, int partNumber, byte[] buffer, int size, Dictionary<int, PartDetail> stored, CancellationToken cancellationToken)
    {
        if (stored.TryGetValue(partNumber, out var previous) && previous.Size == size)
        {
#pragma warning disable CA5351 // An S3 part's ETag is the MD5 of its bytes; it is compared, not trusted for security.
            var md5 = Convert.ToHexStringLower(MD5.HashData(buffer.AsSpan(0, size)));
#pragma warning restore CA5351
            if (string.Equals(previous.ETag?.Trim('"'), md5, StringComparison.OrdinalIgnoreCase))
            {
                return previous.ETag!;
            }
        }

        var response = await Call("upload a part of", stagingKey, () => _partPipeline.ExecuteAsync(
            async token =>
            {
                using var body = new MemoryStream(buffer, 0, size, writable: false);
                var request = new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = stagingKey,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    PartSize = size,
                    InputStream = body,
                    DisablePayloadSigning = _unsignedPayload ? true : null,
                    DisableDefaultChecksumValidation = _unsignedPayload ? true : null,
                };
                return await _client.UploadPartAsync(request, token).ConfigureAwait(false);
            },
            cancellationToken).AsTask()).ConfigureAwait(false);
        return response.ETag;
    }

    private async Task<T> Call<T>(string operation, string objectKey, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsSdkFailure(ex))
        {
            throw Translate("Could not " + operation, objectKey, ex);
        }
    }

    // Aborting discards the parts stored so far: only an upload left behind by a run that was killed is resumed.
    private Task AbortQuietlyAsync(string stagingKey, string uploadId) =>
        CleanUpQuietlyAsync(token => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = stagingKey, UploadId = uploadId }, token));

    // Best effort: the staging key is never a published URL.
    private Task DeleteQuietlyAsync(string objectKey) =>
        CleanUpQuietlyAsync(token => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = objectKey }, token));

    /// <summary>Runs a clean-up request bounded by 30 seconds of its own on the options' clock; a failure or time-out is not the caller's failure.</summary>
    private async Task CleanUpQuietlyAsync(Func<CancellationToken, Task> cleanUp)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), _options.TimeProvider);
            await cleanUp(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsSdkFailure(ex) || ex is OperationCanceledException)
        {
            // Clean-up is best effort; the caller reports its own outcome.
        }
    }

    private async Task CopyAsync(string source, string destination, long length, ImageHash hash, bool overwrite, CancellationToken cancellationToken)
    {
        var ifNoneMatch = overwrite ? null : "*";
        if (length <= MaxCopySize)
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = _options.Bucket,
                SourceKey = source,
                DestinationBucket = _options.Bucket,
                DestinationKey = destination,
                MetadataDirective = S3MetadataDirective.REPLACE,
                ContentType = "application/octet-stream",
                IfNoneMatch = ifNoneMatch,
            };
            request.Metadata.Add(HashMetadataName, hash.ToString());
            if (_options.CannedAcl is { } acl)
            {
                request.CannedACL = S3CannedACL.FindValue(acl);
            }

            await Call("copy the staged image to", destination, () => _client.CopyObjectAsync(request, cancellationToken)).ConfigureAwait(false);
            return;
        }

        var start = new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = destination, ContentType = "application/octet-stream" };
        start.Metadata.Add(HashMetadataName, hash.ToString());
        if (_options.CannedAcl is { } cannedAcl)
        {
            start.CannedACL = S3CannedACL.FindValue(cannedAcl);
        }

        var upload = await Call("start the copy to", destination, () => _client.InitiateMultipartUploadAsync(start, cancellationToken)).ConfigureAwait(false);
        try
        {
            var parts = new List<PartETag>();
            for (long offset = 0, number = 1; offset < length; offset += CopyPartSize, number++)
            {
                var copied = await Call("copy a part to", destination, () => _client.CopyPartAsync(
                    new CopyPartRequest
                    {
                        SourceBucket = _options.Bucket,
                        SourceKey = source,
                        DestinationBucket = _options.Bucket,
                        DestinationKey = destination,
                        UploadId = upload.UploadId,
                        PartNumber = (int)number,
                        FirstByte = offset,
                        LastByte = Math.Min(offset + CopyPartSize, length) - 1,
                    },
                    cancellationToken)).ConfigureAwait(false);
                parts.Add(new PartETag((int)number, copied.ETag));
            }

            await Call("complete the copy to", destination, () => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _options.Bucket, Key = destination, UploadId = upload.UploadId, PartETags = parts, IfNoneMatch = ifNoneMatch }, cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(destination, upload.UploadId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The staged upload. Without <c>overwrite</c>, the commit first asks for the object at the final key (a HEAD)
    /// and refuses when one appeared; the copy itself (or, above 5 GiB, the completion of the multipart copy) is then
    /// a conditional write with <c>If-None-Match: *</c>, so a store that honours it (AWS S3) also refuses an object
    /// written between the HEAD and the copy (412, or 409 for a concurrent write). The HEAD is there because not every
    /// S3-compatible store honours the header on a copy (moto does not; it does on a multipart completion).
    /// </summary>
    private sealed class Staged(S3PublishTarget target, string stagingKey, long length) : IStagedImage
    {
        public async Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var objectKey = target.FullKey(key);
            if (!overwrite && await target.GetObjectAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new ImageKeyConflictException(S3ErrorMessages.KeyAppeared(target.Location(objectKey))) { Key = key };
            }

            try
            {
                await target.CopyAsync(stagingKey, objectKey, length, hash, overwrite, cancellationToken).ConfigureAwait(false);
            }
            catch (ImagePublishException ex) when (!overwrite && ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                throw new ImageKeyConflictException(S3ErrorMessages.KeyAppeared(target.Location(objectKey)), ex) { Key = key, StatusCode = ex.StatusCode };
            }
        }

        public async ValueTask DisposeAsync() => await target.DeleteQuietlyAsync(stagingKey).ConfigureAwait(false);
    }
}
