using Golem.VmImages.Fetching;
namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes into a local directory that a web server (<c>gvmi serve</c>, nginx, any static server) serves. The image
/// is written to a hidden temporary file beside its final name, flushed to disk, then renamed into place.
/// </summary>
public sealed class LocalDirectoryPublishTarget : IImagePublishTarget
{
    private readonly string _directory;
    private readonly Uri? _publicBaseUrl;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="directory">The directory to publish into; created when missing.</param>
    /// <param name="publicBaseUrl">The URL the directory is served at; <see langword="null"/> to give <c>file:</c> URLs (usable locally only).</param>
    public LocalDirectoryPublishTarget(string directory, Uri? publicBaseUrl = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (publicBaseUrl is not null && (!publicBaseUrl.IsAbsoluteUri || publicBaseUrl.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException(ErrorMessages.NotHttpUrl(UrlRedaction.Redact(publicBaseUrl)), nameof(publicBaseUrl));
        }

        _directory = Path.GetFullPath(directory);
        _publicBaseUrl = publicBaseUrl;
    }

    /// <inheritdoc />
    public string DisplayName => _directory;

    /// <inheritdoc />
    /// <value>Always <see langword="false"/>: the file is hashed while it is copied, in one read.</value>
    public bool IsRemote => false;

    /// <inheritdoc />
    public Uri GetPublicUrl(string key)
    {
        PublishKey.Validate(key, nameof(key));
        return _publicBaseUrl is null ? new UriBuilder(Uri.UriSchemeFile, string.Empty) { Path = PathOf(key) }.Uri : PublishKey.Resolve(_publicBaseUrl, key);
    }

    /// <inheritdoc />
    public Task<PublishedObjectInfo?> GetObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        PublishKey.Validate(key, nameof(key));
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new PublishedObjectInfo(file.Length, null) : null);
    }

    /// <inheritdoc />
    public Task<ImageHash> HashObjectAsync(string key, CancellationToken cancellationToken = default)
    {
        PublishKey.Validate(key, nameof(key));
        return ImageHasher.HashFileAsync(PathOf(key), cancellationToken: cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public Task<IStagedImage> StageAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentException.ThrowIfNullOrEmpty(stagingName);
        return StageCoreAsync(content, stagingName, cancellationToken);
    }

    private async Task<IStagedImage> StageCoreAsync(Stream content, string stagingName, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        var temp = Path.Combine(_directory, $".{stagingName}.{Guid.NewGuid():N}.partial");
        try
        {
            var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous, BufferSize = 0 });
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, 1 << 20, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // Readable by the web server's user, whatever the umask of the publisher.
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            return new Staged(this, temp);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private string PathOf(string key) => Path.Combine(_directory, Path.Combine(key.Split('/')));

    private sealed class Staged(LocalDirectoryPublishTarget target, string temp) : IStagedImage
    {
        private bool _committed;

        public Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
        {
            PublishKey.Validate(key, nameof(key));
            var final = target.PathOf(key);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try
            {
                File.Move(temp, final, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(final))
            {
                throw new ImageKeyConflictException(ErrorMessages.KeyAppeared(target.DisplayName, key)) { Key = key };
            }

            _committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                File.Delete(temp);
            }

            return ValueTask.CompletedTask;
        }
    }
}
