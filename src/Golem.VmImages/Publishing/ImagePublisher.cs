using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Hashing;
using Golem.VmImages.Http;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes .gvmi images to a target under a key (content-addressed by default), and checks the public URL as a
/// provider would. For a remote target the hash comes first (given in <see cref="ImagePublishOptions.ImageHash"/>,
/// remembered in <see cref="ImagePublishOptions.HashStore"/> for the unchanged file, or read from the file, which is far
/// faster than any upload), so the key is checked before a byte is sent; a local directory is hashed while it is copied.
/// </summary>
/// <remarks>
/// Publishing the same image again changes nothing and sends no body; a different object already at the key is
/// refused unless <see cref="ImagePublishOptions.Overwrite"/>. The image is uploaded to a staging name and committed
/// under the key; a target that cannot commit a staged upload (an HTTP server without WebDAV <c>MOVE</c>) gets it by
/// <c>PUT</c> straight to the key, which is then as atomic as the server's own handling of a PUT.
/// </remarks>
public sealed class ImagePublisher
{
    private readonly HttpClient _httpClient;
    private readonly IImageFetcher? _fetcher;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="httpClient">The client for the anonymous checks of the public URL; it must send no credentials.</param>
    /// <param name="fetcher">The fetcher that downloads the image again when <see cref="ImagePublishOptions.Verify"/> is set.</param>
    public ImagePublisher(HttpClient httpClient, IImageFetcher? fetcher = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _httpClient = httpClient;
        _fetcher = fetcher;
    }

    /// <summary>Publishes the image at <paramref name="path"/> to <paramref name="target"/>.</summary>
    /// <param name="path">The .gvmi file.</param>
    /// <param name="target">Where to publish it.</param>
    /// <param name="options">The key, overwrite, checks and progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests; a cancelled upload is discarded.</param>
    /// <returns>The hash, key, public URL and what was done.</returns>
    /// <exception cref="GvmiFormatException">The file is not a valid .gvmi image (when <see cref="ImagePublishOptions.ValidateImage"/> is set).</exception>
    /// <exception cref="ImageKeyConflictException">A different object is at the key and overwriting was not asked for.</exception>
    /// <exception cref="ImageNotPubliclyReadableException">The image was stored but its public URL does not serve it as providers need.</exception>
    /// <exception cref="ImagePublishException">The target refused or failed the upload, or verification failed.</exception>
    /// <exception cref="IOException">The file could not be read, or changed while it was published (its bytes no longer match <see cref="ImagePublishOptions.ImageHash"/> or the hash computed first).</exception>
    public Task<PublishedImage> PublishAsync(string path, IImagePublishTarget target, ImagePublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ImagePublishOptions();
        if (options.Key is not null)
        {
            PublishKey.Validate(options.Key, nameof(options));
        }

        if (options.Verify && _fetcher is null)
        {
            throw new InvalidOperationException(ErrorMessages.VerifyNeedsFetcher);
        }

        return PublishCoreAsync(new FileInfo(path), target, options, cancellationToken);
    }

    private async Task<PublishedImage> PublishCoreAsync(FileInfo file, IImagePublishTarget target, ImagePublishOptions options, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException(ErrorMessages.PublishSourceMissing(file.FullName), file.FullName);
        }

        if (options.ValidateImage)
        {
            await GvmiFile.ReadMetadataAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }

        var length = file.Length;
        var known = options.ImageHash;
        var store = known is null ? options.HashStore : null;
        FileIdentity identity = default;
        if (store is not null)
        {
            identity = FileRecord.Identify(file.FullName);
            if (store.TryGet(identity, out var remembered))
            {
                known = remembered;
                store = null;
            }
        }

        if (known is null && target.IsRemote)
        {
            known = await ImageHasher.HashFileAsync(file.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
            store?.RecordIfUnchanged(file.FullName, identity, known.Value);
            store = null;
        }

        ImageHash hash;
        string key;
        PublishOutcome outcome;
        if (known is { } given)
        {
            hash = given;
            key = options.Key ?? PublishKey.ContentAddress(hash);
            outcome = await CompareExistingAsync(target, key, length, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            if (outcome != PublishOutcome.AlreadyPublished)
            {
                await UploadKnownAsync(file, target, key, hash, options, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            using var hasher = new ImageHasher();
            var staged = await UploadAsync(file, hasher, options.Progress, (source, ct) => target.StageAsync(source, length, PublishKey.StagingName(file), ct), cancellationToken).ConfigureAwait(false);
            hash = hasher.GetHashAndReset();
            key = options.Key ?? PublishKey.ContentAddress(hash);
            await using (staged.ConfigureAwait(false))
            {
                outcome = await CompareExistingAsync(target, key, length, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
                if (outcome != PublishOutcome.AlreadyPublished)
                {
                    await staged.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
                }
            }

            store?.RecordIfUnchanged(file.FullName, identity, hash);
        }

        var url = target.GetPublicUrl(key);
        if (options.CheckPublicUrl && !url.IsFile)
        {
            await PublicUrlCheck.RunAsync(_httpClient, url, file.FullName, length, cancellationToken).ConfigureAwait(false);
        }

        var verified = options.Verify && await VerifyAsync(hash, url, cancellationToken).ConfigureAwait(false);
        return new PublishedImage(hash, length, key, url, outcome, verified);
    }

    /// <summary>
    /// Decides from what the target holds at <paramref name="key"/> whether the image is already there. The same
    /// length and the same stored hash (S3 metadata) is the same image; where the target keeps no hash, the same
    /// length under the image's own content address is too (the name is the hash), and only a custom key is read back.
    /// </summary>
    private static async Task<PublishOutcome> CompareExistingAsync(IImagePublishTarget target, string key, long length, ImageHash hash, bool overwrite, CancellationToken cancellationToken)
    {
        var existing = await target.GetObjectAsync(key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return PublishOutcome.Uploaded;
        }

        var existingHash = existing.Length != length ? (ImageHash?)null
            : existing.StoredHash ?? (key == PublishKey.ContentAddress(hash) ? hash : await target.HashObjectAsync(key, cancellationToken).ConfigureAwait(false));
        if (existingHash == hash)
        {
            return PublishOutcome.AlreadyPublished;
        }

        if (overwrite)
        {
            return PublishOutcome.Replaced;
        }

        throw new ImageKeyConflictException(ErrorMessages.KeyConflict(target.DisplayName, key, existing.Length, existingHash, length, hash))
        {
            Key = key,
            ExistingLength = existing.Length,
            ExistingHash = existingHash,
        };
    }

    /// <summary>
    /// Uploads a file whose hash is known: staged and committed where the target can, else straight to the key. The
    /// bytes are hashed again as they go, and the last byte is held back until they match <paramref name="hash"/>, so
    /// a file that changed (or a stale remembered hash) cuts the upload short and nothing is stored under the key.
    /// </summary>
    private static async Task UploadKnownAsync(FileInfo file, IImagePublishTarget target, string key, ImageHash hash, ImagePublishOptions options, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var staging = await target.SupportsStagingAsync(cancellationToken).ConfigureAwait(false);
        using var hasher = new ImageHasher();
        var source = new HashingReadStream(file.FullName, length, hasher, options.Progress);
        await using (source.ConfigureAwait(false))
        {
            var gated = new LastByteGateStream(source, length, async _ => await source.FinishAsync().ConfigureAwait(false) && hasher.GetCurrentHash() == hash);
            IStagedImage uploaded;
            try
            {
                uploaded = staging
                    ? await target.StageAsync(gated, length, PublishKey.StagingName(file), cancellationToken).ConfigureAwait(false)
                    : await target.UploadInPlaceAsync(gated, length, key, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (gated.Refused && ex is not OperationCanceledException)
            {
                throw new IOException(ErrorMessages.SourceHashChanged(file.FullName, hash, hasher.GetCurrentHash()), ex);
            }

            await using (uploaded.ConfigureAwait(false))
            {
                if (!await source.FinishAsync().ConfigureAwait(false))
                {
                    throw new InvalidOperationException(ErrorMessages.SourceNotRead(source.Position, length));
                }

                var actual = hasher.GetHashAndReset();
                if (actual != hash)
                {
                    throw new IOException(ErrorMessages.SourceHashChanged(file.FullName, hash, actual));
                }

                await uploaded.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads the file once through <paramref name="hasher"/> into <paramref name="upload"/>, and checks the target took every byte.</summary>
    private static async Task<IStagedImage> UploadAsync(FileInfo file, ImageHasher hasher, IProgress<long>? progress, Func<Stream, CancellationToken, Task<IStagedImage>> upload, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var source = new HashingReadStream(file.FullName, length, hasher, progress);
        await using (source.ConfigureAwait(false))
        {
            var staged = await upload(source, cancellationToken).ConfigureAwait(false);
            if (!await source.FinishAsync().ConfigureAwait(false))
            {
                await staged.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException(ErrorMessages.SourceNotRead(source.Position, length));
            }

            return staged;
        }
    }

    private async Task<bool> VerifyAsync(ImageHash hash, Uri url, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "gvmi-verify-" + Guid.NewGuid().ToString("N") + ".gvmi");
        try
        {
            await _fetcher!.FetchAsync(hash, [url], new ImageFetchRequest { DestinationPath = scratch }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is ImageDownloadException or IOException)
        {
            throw new ImagePublishException(ErrorMessages.VerifyFailed(UrlRedaction.Redact(url), ex.Message), ex);
        }
        finally
        {
            File.Delete(scratch);
        }
    }
}
