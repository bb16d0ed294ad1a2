using Golem.VmImages.Http;

namespace Golem.VmImages.Publishing;

/// <summary>
/// Publishes into a local directory that a web server (<c>gvmi serve</c>, nginx, any static server) serves. The image
/// is written to a hidden staging file in the directory, flushed to disk, then renamed into place.
/// </summary>
/// <remarks>
/// <para>
/// The staging file is <c>.gvmi-upload-&lt;source&gt;-&lt;version&gt;.partial</c>: the source part comes from the
/// file's full path, the version part from its length, modification time and, on Linux, device and inode. The run
/// holds an exclusive lock on it (<c>flock</c> on Linux) until the image is renamed into place or discarded.
/// </para>
/// <para>
/// A run killed before it finished (kill -9, power loss) leaves its staging file; the next run cleans up before it
/// stages. It reuses the staging file of the same file version, removes those of other versions of the same source
/// path, and removes any other <c>.gvmi-upload-*.partial</c> last written more than <see cref="StaleStagingAge"/> ago.
/// A staging file another run still holds locked is never touched, so a concurrent publish is not disturbed. To find
/// leftovers by hand: <c>find DIR -name '.gvmi-upload-*.partial'</c>.
/// </para>
/// </remarks>
public sealed class LocalDirectoryPublishTarget : IImagePublishTarget
{
    private const string StagingSuffix = ".partial";

    private readonly string _directory;
    private readonly Uri? _publicBaseUrl;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="directory">The directory to publish into; created when missing.</param>
    /// <param name="publicBaseUrl">The URL the directory is served at; <see langword="null"/> to give <c>file:</c> URLs (usable locally only).</param>
    /// <param name="timeProvider">The clock that ages left-over staging files; <see langword="null"/> for the system clock.</param>
    public LocalDirectoryPublishTarget(string directory, Uri? publicBaseUrl = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (publicBaseUrl is not null && (!publicBaseUrl.IsAbsoluteUri || publicBaseUrl.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException(ErrorMessages.NotHttpUrl(UrlRedaction.Redact(publicBaseUrl)), nameof(publicBaseUrl));
        }

        _directory = Path.GetFullPath(directory);
        _publicBaseUrl = publicBaseUrl;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets how long ago a left-over staging file of another source must have been last written for a run to remove it.</summary>
    /// <value>One hour. A live publish writes its staging file continuously and holds it locked, so this is a second guard.</value>
    public static TimeSpan StaleStagingAge { get; } = TimeSpan.FromHours(1);

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
        RemoveLeftovers(stagingName);
        var (temp, file) = OpenStagingFile(stagingName);
        try
        {
            file.SetLength(0);
            await content.CopyToAsync(file, 1 << 20, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            if (!OperatingSystem.IsWindows())
            {
                // Readable by the web server's user, whatever the umask of the publisher.
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            return new Staged(this, temp, file);
        }
        catch
        {
            await DiscardAsync(temp, file).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens the staging file for <paramref name="stagingName"/>, locked for this run: the one a killed run of the same
    /// file version left (reused), or, while another run holds that one, a name of its own.
    /// </summary>
    private (string Path, FileStream File) OpenStagingFile(string stagingName)
    {
        var reusable = Path.Combine(_directory, "." + stagingName + StagingSuffix);
        try
        {
            return (reusable, Open(reusable, FileMode.OpenOrCreate));
        }
        catch (IOException) when (File.Exists(reusable))
        {
            // Another run is staging the same file right now.
            var own = Path.Combine(_directory, $".{stagingName}.{Guid.NewGuid():N}{StagingSuffix}");
            return (own, Open(own, FileMode.CreateNew));
        }

        // FileShare.None takes an exclusive flock on Linux, released when the process dies, even by kill -9.
        static FileStream Open(string path, FileMode mode) =>
            new(path, new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous, BufferSize = 0 });
    }

    /// <summary>
    /// Removes staging files earlier runs left: other versions of the same source as <paramref name="stagingName"/>,
    /// and any of this target's staging files older than <see cref="StaleStagingAge"/>; never one another run holds locked.
    /// </summary>
    private void RemoveLeftovers(string stagingName)
    {
        var source = StagingNames.SourceOf(stagingName) is { } prefix ? "." + prefix : null;
        var own = "." + stagingName + StagingSuffix;
        var staleBefore = _timeProvider.GetUtcNow().UtcDateTime - StaleStagingAge;
        foreach (var leftover in new DirectoryInfo(_directory).EnumerateFiles("." + StagingNames.Prefix + "*" + StagingSuffix))
        {
            var sameSource = source is not null && leftover.Name.StartsWith(source, StringComparison.Ordinal) && leftover.Name != own;
            if (sameSource || leftover.LastWriteTimeUtc < staleBefore)
            {
                DeleteUnlessLocked(leftover.FullName);
            }
        }
    }

    /// <summary>Deletes a staging file, then releases its lock (so no other run opens it in between); Windows cannot delete it while it is open.</summary>
    private static async ValueTask DiscardAsync(string temp, FileStream file)
    {
        if (OperatingSystem.IsWindows())
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }

        File.Delete(temp);
        await file.DisposeAsync().ConfigureAwait(false);
    }

    private static void DeleteUnlessLocked(string path)
    {
        try
        {
            using var locked = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // In use by a concurrent publish, already gone, or not ours to remove.
        }
    }

    private string PathOf(string key) => Path.Combine(_directory, Path.Combine(key.Split('/')));

    private sealed class Staged(LocalDirectoryPublishTarget target, string temp, FileStream file) : IStagedImage
    {
        private bool _committed;

        public async Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default)
        {
            PublishKey.Validate(key, nameof(key));
            var final = target.PathOf(key);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (OperatingSystem.IsWindows())
            {
                // Windows cannot rename a file open without sharing; elsewhere the lock is held through the rename.
                await file.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                File.Move(temp, final, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(final))
            {
                throw new ImageKeyConflictException(ErrorMessages.KeyAppeared(target.DisplayName, key)) { Key = key };
            }

            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_committed)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await DiscardAsync(temp, file).ConfigureAwait(false);
            }
        }
    }
}
