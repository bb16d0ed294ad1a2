namespace Golem.VmImages.Registry.Push;

/// <summary>
/// Settings of <see cref="ImagePusher"/>. The registry's address and the bounds of its small requests (status,
/// descriptor, login, tag) come from <see cref="ImageRegistryOptions"/>; these are the chunk uploads and the wait for
/// the registry to assemble the image.
/// </summary>
public sealed class ImagePusherOptions
{
    /// <summary>The most chunks gvmkit-build's documentation says the registry accepts for one image: 1000.</summary>
    public const int DefaultMaxChunks = 1000;

    /// <summary>Gets or sets how many chunks are uploaded at the same time.</summary>
    /// <value>The default is 4, as gvmkit-build.</value>
    /// <remarks>Valid from 1 to 64.</remarks>
    public int MaxParallelUploads { get; set; } = 4;

    /// <summary>Gets or sets how many times a request that failed transiently (transport error, timeout, 408, 429 or 5xx) is retried; other 4xx answers fail at once.</summary>
    /// <value>The default is 5 retries (6 attempts).</value>
    /// <remarks>Valid from 0 to 20.</remarks>
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>Gets or sets the delay before the first retry; each further retry waits about twice as long (with jitter), at most 30 seconds, or what the registry's <c>Retry-After</c> asks for up to that bound.</summary>
    /// <value>The default is 1 second; from 0 to 1 minute.</value>
    /// <remarks>Valid from 00:00:00 to 00:01:00 (checked by <see cref="ImagePusherOptionsValidator"/>).</remarks>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long sending one chunk (request and answer) may take before the attempt is abandoned and retried.</summary>
    /// <value>The default is 10 minutes; from 10 milliseconds to 1 hour.</value>
    /// <remarks>Valid from 00:00:00.010 to 01:00:00 (checked by <see cref="ImagePusherOptionsValidator"/>).</remarks>
    public TimeSpan ChunkAttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how long to wait, after the last chunk, for the registry to report the image complete (and for its tag to resolve).</summary>
    /// <value>The default is 2 minutes (gvmkit-build waits 30 seconds); from 0 to 1 hour.</value>
    /// <remarks>Valid from 00:00:00 to 01:00:00 (checked by <see cref="ImagePusherOptionsValidator"/>).</remarks>
    public TimeSpan CompletionTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the pause between two checks while waiting for the registry to complete the image.</summary>
    /// <value>The default is 5 seconds, as gvmkit-build; from 10 milliseconds to 5 minutes.</value>
    /// <remarks>Valid from 00:00:00.010 to 00:05:00 (checked by <see cref="ImagePusherOptionsValidator"/>).</remarks>
    public TimeSpan CompletionPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the most chunks one image may have; a push with more fails before anything is sent, suggesting a chunk size.</summary>
    /// <value>The default is <see cref="DefaultMaxChunks"/>.</value>
    /// <remarks>Valid from 1 to 1000000.</remarks>
    public int MaxChunks { get; set; } = DefaultMaxChunks;

    /// <summary>
    /// Gets or sets the directory where descriptors are remembered, so pushing the same unchanged file again (to resume
    /// after a failure, or to attach another tag) does not read it again to hash it. A descriptor is reused only while
    /// the file keeps its full path, length and last-write time (and, on Linux, its device, inode and change time, so a
    /// rewritten file is hashed again even when its modification time was put back).
    /// </summary>
    /// <value>The default is <see langword="null"/>: every push hashes the file; when set, not empty. <c>gvmi push</c> uses <c>descriptors</c> in the user's golem-vmimages cache directory (<see cref="Fetching.ImageFetcherOptions.DefaultCacheDirectory"/>).</value>
    public string? DescriptorCacheDirectory { get; set; }

    internal ImagePusherOptions Snapshot()
    {
        var copy = (ImagePusherOptions)MemberwiseClone();
        var failures = ImagePusherOptionsValidator.Collect(copy);
        return failures.Count == 0 ? copy : throw new ArgumentException(string.Join(" ", failures), "options");
    }
}
