using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes .gvmi images to a target: reads the file once, hashing it while it uploads to a staging location,
/// then commits it under its key (content-addressed by default), and checks the public URL as a provider would.
/// </summary>
/// <remarks>
/// Publishing the same image again changes nothing; a different object already at the key is refused unless
/// <see cref="ImagePublishOptions.Overwrite"/>. Nothing half-written ever appears under the final key.
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
        ImageHash hash;
        using var hasher = new ImageHasher();
        IStagedImage staged;
        var source = new HashingReadStream(file.FullName, length, hasher, options.Progress);
        await using (source.ConfigureAwait(false))
        {
            staged = await target.StageAsync(source, length, PublishKey.StagingName(file), cancellationToken).ConfigureAwait(false);
            if (!await source.FinishAsync().ConfigureAwait(false))
            {
                await staged.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException(ErrorMessages.SourceNotRead(source.Position, length));
            }
        }

        hash = hasher.GetHashAndReset();
        var key = options.Key ?? PublishKey.ContentAddress(hash);
        PublishOutcome outcome;
        await using (staged.ConfigureAwait(false))
        {
            var existing = await target.GetObjectAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                outcome = PublishOutcome.Uploaded;
            }
            else
            {
                var existingHash = existing.Length == length
                    ? existing.StoredHash ?? await target.HashObjectAsync(key, cancellationToken).ConfigureAwait(false)
                    : (ImageHash?)null;
                if (existingHash == hash)
                {
                    outcome = PublishOutcome.AlreadyPublished;
                }
                else if (options.Overwrite)
                {
                    outcome = PublishOutcome.Replaced;
                }
                else
                {
                    throw new ImageKeyConflictException(ErrorMessages.KeyConflict(target.DisplayName, key, existing.Length, existingHash, length, hash))
                    {
                        Key = key,
                        ExistingLength = existing.Length,
                        ExistingHash = existingHash,
                    };
                }
            }

            if (outcome != PublishOutcome.AlreadyPublished)
            {
                await staged.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
        }

        var url = target.GetPublicUrl(key);
        if (options.CheckPublicUrl && !url.IsFile)
        {
            await PublicUrlCheck.RunAsync(_httpClient, url, file.FullName, length, cancellationToken).ConfigureAwait(false);
        }

        var verified = options.Verify && await VerifyAsync(hash, url, cancellationToken).ConfigureAwait(false);
        return new PublishedImage(hash, length, key, url, outcome, verified);
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
