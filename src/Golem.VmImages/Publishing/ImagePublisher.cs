using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Hashing;
using Golem.VmImages.Http;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes .gvmi images to a target under a key (content-addressed by default), and checks the public URL as a
/// provider would. The final key is never written before it is checked, and nothing partial is ever visible under it.
/// </summary>
/// <remarks>
/// <para>
/// With the hash known (given in <see cref="ImagePublishOptions.ImageHash"/>, or remembered in
/// <see cref="ImagePublishOptions.HashStore"/> for the unchanged file), the key is checked before a byte is sent, and
/// an image already there sends no body. With no hash known, a remote target that stages uploads gets the upload to a
/// staging name while the file is hashed, the upload's last byte held back until the hash is known and the key
/// checked: an image already at its key (or a conflict there) cancels the upload and discards the stage, so up to one
/// hash pass worth of bytes goes to a staging name before the key is checked. A target without staging (an HTTP
/// server without WebDAV <c>MOVE</c>) hashes the file first, then gets it by <c>PUT</c> straight to the key, which is
/// then as atomic as the server's own handling of a PUT. A local directory is hashed while it is copied.
/// </para>
/// <para>
/// A hash computed by this run or remembered for the file's identity is not computed again while sending: the last
/// byte goes only while the file still has the identity (length, modification time and, on Linux, device, inode and
/// change time) the hash belongs to. A hash the caller gave is checked against the bytes as they are sent. Either way
/// a file that changed cuts the upload short and nothing is stored under the key. Publishing the same image again
/// changes nothing; a different object already at the key is refused unless <see cref="ImagePublishOptions.Overwrite"/>.
/// </para>
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
    /// <exception cref="IOException">The file could not be read, or changed while it was published (it is no longer the file hashed, or its bytes do not match <see cref="ImagePublishOptions.ImageHash"/>).</exception>
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
        var identity = FileRecord.Identify(file.FullName);
        var known = options.ImageHash;
        var store = known is null ? options.HashStore : null;
        if (store is not null && store.TryGet(identity, out var remembered))
        {
            known = remembered;
            store = null;
        }

        (ImageHash Hash, string Key, PublishOutcome Outcome) published;
        if (known is null && target.IsRemote && await target.SupportsStagingAsync(cancellationToken).ConfigureAwait(false))
        {
            published = await StageWhileHashingAsync(file, target, identity, store, options, cancellationToken).ConfigureAwait(false);
        }
        else if (known is null && !target.IsRemote)
        {
            published = await CopyWhileHashingAsync(file, target, identity, store, options, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A hash computed here or remembered for this identity is trusted: the upload is held at its last byte
            // until the file still has that identity. Only a hash the caller gave is checked against the bytes sent.
            var trusted = options.ImageHash is null ? identity : (FileIdentity?)null;
            if (known is not { } hash)
            {
                hash = await ImageHasher.HashFileAsync(file.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
                store?.RecordIfUnchanged(file.FullName, identity, hash);
            }

            var key = options.Key ?? PublishKey.ContentAddress(hash);
            var outcome = await CompareExistingAsync(target, key, length, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            if (outcome != PublishOutcome.AlreadyPublished)
            {
                await UploadKnownAsync(file, target, key, hash, trusted, options, cancellationToken).ConfigureAwait(false);
            }

            published = (hash, key, outcome);
        }

        var url = target.GetPublicUrl(published.Key);
        if (options.CheckPublicUrl && !url.IsFile)
        {
            await PublicUrlCheck.RunAsync(_httpClient, url, file.FullName, length, cancellationToken).ConfigureAwait(false);
        }

        var verified = options.Verify && await VerifyAsync(published.Hash, url, cancellationToken).ConfigureAwait(false);
        return new PublishedImage(published.Hash, length, published.Key, url, published.Outcome, verified);
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
    /// The first publish to a target that stages, with no hash known: the hash pass and the upload to the staging name
    /// (its own read of the file) run together, and the upload holds its last byte until the hash is known and the
    /// final key checked. An image already at its key, or a conflict there, cancels the upload and discards the stage;
    /// otherwise the last byte goes once the file still has <paramref name="identity"/>, and the stage is committed.
    /// </summary>
    private static async Task<(ImageHash Hash, string Key, PublishOutcome Outcome)> StageWhileHashingAsync(
        FileInfo file, IImagePublishTarget target, FileIdentity identity, FileHashStore? store, ImagePublishOptions options, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var progress = options.Progress is null ? null : new SlowerOfTwo(options.Progress);
        var keyChecked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopUpload = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopHash = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var source = new HashingReadStream(file.FullName, length, null, progress?.First);
        await using (source.ConfigureAwait(false))
        {
            var gated = new LastByteGateStream(source, length, async token =>
                await keyChecked.Task.WaitAsync(token).ConfigureAwait(false) && await source.FinishAsync().ConfigureAwait(false) && source.Identify() == identity);
            var staging = target.StageAsync(gated, length, PublishKey.StagingName(file), stopUpload.Token);
            var hashing = ImageHasher.HashFileAsync(file.FullName, progress?.Second, stopHash.Token).AsTask();
            ImageHash hash;
            string key;
            PublishOutcome outcome;
            try
            {
                if (await Task.WhenAny(hashing, staging).ConfigureAwait(false) == staging && staging.IsFaulted)
                {
                    // The target refused the upload (a 413, a missing folder): that is the answer, not the hash.
                    await stopHash.CancelAsync().ConfigureAwait(false);
                    await hashing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                    await staging.ConfigureAwait(false);
                }

                hash = await hashing.ConfigureAwait(false);
                store?.RecordIfUnchanged(file.FullName, identity, hash);
                key = options.Key ?? PublishKey.ContentAddress(hash);
                outcome = await CompareExistingAsync(target, key, length, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await DiscardAsync(staging, keyChecked, stopUpload).ConfigureAwait(false);
                throw;
            }

            if (outcome == PublishOutcome.AlreadyPublished)
            {
                await DiscardAsync(staging, keyChecked, stopUpload).ConfigureAwait(false);
                return (hash, key, outcome);
            }

            keyChecked.SetResult(true);
            var staged = await AwaitUploadAsync(staging, gated, file, hash).ConfigureAwait(false);
            await using (staged.ConfigureAwait(false))
            {
                if (!await source.FinishAsync().ConfigureAwait(false))
                {
                    throw new InvalidOperationException(ErrorMessages.SourceNotRead(source.Position, length));
                }

                await staged.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }

            return (hash, key, outcome);
        }
    }

    /// <summary>Cuts a staged upload short (its last byte is refused, and it is cancelled) and removes whatever it staged.</summary>
    private static async Task DiscardAsync(Task<IStagedImage> staging, TaskCompletionSource<bool> keyChecked, CancellationTokenSource stopUpload)
    {
        keyChecked.TrySetResult(false);
        await stopUpload.CancelAsync().ConfigureAwait(false);
        try
        {
            var staged = await staging.ConfigureAwait(false);
            await staged.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ImagePublishException or HttpRequestException)
        {
            // The upload failed as it was told to; the target removed its stage.
        }
    }

    /// <summary>The target's answer to an upload; one cut short at its last byte because the file changed says so.</summary>
    private static async Task<IStagedImage> AwaitUploadAsync(Task<IStagedImage> upload, LastByteGateStream gated, FileInfo file, ImageHash hash)
    {
        try
        {
            return await upload.ConfigureAwait(false);
        }
        catch (Exception ex) when (gated.Refused && ex is not OperationCanceledException)
        {
            throw new IOException(ErrorMessages.SourceChangedWhileUploaded(file.FullName, hash), ex);
        }
    }

    /// <summary>A local target with no hash known: the file is read once, hashed while it is copied to the staging name, then committed.</summary>
    private static async Task<(ImageHash Hash, string Key, PublishOutcome Outcome)> CopyWhileHashingAsync(
        FileInfo file, IImagePublishTarget target, FileIdentity identity, FileHashStore? store, ImagePublishOptions options, CancellationToken cancellationToken)
    {
        var length = file.Length;
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

        var hash = hasher.GetHashAndReset();
        var key = options.Key ?? PublishKey.ContentAddress(hash);
        PublishOutcome outcome;
        await using (staged.ConfigureAwait(false))
        {
            outcome = await CompareExistingAsync(target, key, length, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            if (outcome != PublishOutcome.AlreadyPublished)
            {
                await staged.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
        }

        store?.RecordIfUnchanged(file.FullName, identity, hash);
        return (hash, key, outcome);
    }

    /// <summary>
    /// Uploads a file whose hash is known: staged and committed where the target can, else straight to the key. The
    /// last byte is held back until the file is shown to be the one hashed: a <paramref name="trusted"/> hash (computed
    /// by this run or remembered for this identity) needs the file to still have that identity; a hash the caller gave
    /// (<paramref name="trusted"/> is <see langword="null"/>) needs the bytes sent to hash to it. A file that changed
    /// cuts the upload short, and nothing is stored under the key.
    /// </summary>
    private static async Task UploadKnownAsync(FileInfo file, IImagePublishTarget target, string key, ImageHash hash, FileIdentity? trusted, ImagePublishOptions options, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var staging = await target.SupportsStagingAsync(cancellationToken).ConfigureAwait(false);
        using var hasher = trusted is null ? new ImageHasher() : null;
        var source = new HashingReadStream(file.FullName, length, hasher, options.Progress);
        await using (source.ConfigureAwait(false))
        {
            var gated = new LastByteGateStream(source, length, async _ =>
                await source.FinishAsync().ConfigureAwait(false) && (hasher is null ? source.Identify() == trusted : hasher.GetCurrentHash() == hash));
            var upload = staging
                ? target.StageAsync(gated, length, PublishKey.StagingName(file), cancellationToken)
                : target.UploadInPlaceAsync(gated, length, key, options.Overwrite, cancellationToken);
            IStagedImage uploaded;
            try
            {
                uploaded = await upload.ConfigureAwait(false);
            }
            catch (Exception ex) when (gated.Refused && hasher is not null && ex is not OperationCanceledException)
            {
                throw new IOException(ErrorMessages.SourceHashChanged(file.FullName, hash, hasher.GetCurrentHash()), ex);
            }
            catch (Exception ex) when (gated.Refused && ex is not OperationCanceledException)
            {
                throw new IOException(ErrorMessages.SourceChangedWhileUploaded(file.FullName, hash), ex);
            }

            await using (uploaded.ConfigureAwait(false))
            {
                if (!await source.FinishAsync().ConfigureAwait(false))
                {
                    throw new InvalidOperationException(ErrorMessages.SourceNotRead(source.Position, length));
                }

                if (hasher?.GetHashAndReset() is { } actual && actual != hash)
                {
                    throw new IOException(ErrorMessages.SourceHashChanged(file.FullName, hash, actual));
                }

                await uploaded.CommitAsync(key, hash, options.Overwrite, cancellationToken).ConfigureAwait(false);
            }
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

    /// <summary>Reports the lesser of two passes' positions (the upload and the hash pass), so one progress line shows what is left of both.</summary>
    private sealed class SlowerOfTwo
    {
        private readonly IProgress<long> _inner;
        private readonly Lock _gate = new();
        private long _first;
        private long _second;
        private long _reported;

        public SlowerOfTwo(IProgress<long> inner)
        {
            _inner = inner;
            First = new Pass(this, first: true);
            Second = new Pass(this, first: false);
        }

        public IProgress<long> First { get; }

        public IProgress<long> Second { get; }

        private void Report(bool first, long value)
        {
            lock (_gate)
            {
                if (first)
                {
                    _first = value;
                }
                else
                {
                    _second = value;
                }

                var slower = Math.Min(_first, _second);
                if (slower > _reported)
                {
                    _reported = slower;
                    _inner.Report(slower);
                }
            }
        }

        private sealed class Pass(SlowerOfTwo owner, bool first) : IProgress<long>
        {
            public void Report(long value) => owner.Report(first, value);
        }
    }
}
