namespace Golem.VmImages.Publishing;

/// <summary>
/// A place images are published to: a local directory, an HTTP PUT/WebDAV server, S3-compatible object storage.
/// <see cref="ImagePublisher"/> drives it: the image is staged, then committed under its final key once the key is
/// checked, so nothing half-written ever appears under that key.
/// </summary>
/// <remarks>Keys are relative to the target's own location (its directory, base URL or bucket prefix), with <c>/</c> as the separator.</remarks>
public interface IImagePublishTarget
{
    /// <summary>Gets a description of the target for messages, with no credentials, signatures or query tokens.</summary>
    string DisplayName { get; }

    /// <summary>Returns the URL a provider downloads the object at <paramref name="key"/> from, anonymously.</summary>
    /// <param name="key">The key relative to the target.</param>
    /// <returns>The absolute public URL.</returns>
    Uri GetPublicUrl(string key);

    /// <summary>Looks up the object at <paramref name="key"/> (a HEAD for remote targets).</summary>
    /// <param name="key">The key relative to the target.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The object's length and stored hash, or <see langword="null"/> when there is no object at the key.</returns>
    Task<PublishedObjectInfo?> GetObjectAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads the object at <paramref name="key"/> and hashes it, for objects that carry no stored hash.</summary>
    /// <param name="key">The key relative to the target.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The SHA3-224 of the object's bytes.</returns>
    Task<ImageHash> HashObjectAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads <paramref name="content"/> to a staging location the public never sees. On failure or cancellation the
    /// staged bytes are removed before the task completes, where the target allows it.
    /// </summary>
    /// <param name="content">The image bytes, read once from start to end.</param>
    /// <param name="length">The number of bytes <paramref name="content"/> yields.</param>
    /// <param name="stagingName">A name stable across runs for the same source file, so a target that can resume an interrupted upload finds it again.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The staged image, to be committed under its final key or disposed to discard it.</returns>
    Task<IStagedImage> StageAsync(Stream content, long length, string stagingName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a value indicating whether the target is reached over a network, so <see cref="ImagePublisher"/> checks the
    /// final key before anything is stored under it: first when the hash is known, else once the hash pass that runs
    /// beside the staged upload ends.
    /// </summary>
    /// <value>The default is <see langword="true"/>; a local directory answers <see langword="false"/> and hashes while it copies.</value>
    bool IsRemote => true;

    /// <summary>
    /// Returns whether the target can commit a staged upload under its final key (a WebDAV <c>MOVE</c>, an S3 copy, a
    /// rename). Where it cannot, <see cref="ImagePublisher"/> uploads with <see cref="UploadInPlaceAsync"/> once the key is known.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> by default.</returns>
    ValueTask<bool> SupportsStagingAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    /// <summary>
    /// Uploads <paramref name="content"/> straight to <paramref name="key"/>, for targets that cannot commit a staged
    /// upload. Committing the result changes nothing; disposing it without committing deletes the object at the key.
    /// </summary>
    /// <param name="content">The image bytes, read once from start to end.</param>
    /// <param name="length">The number of bytes <paramref name="content"/> yields.</param>
    /// <param name="key">The final key relative to the target.</param>
    /// <param name="overwrite"><see langword="true"/> when an object already at the key is being replaced on purpose.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The uploaded image.</returns>
    /// <exception cref="NotSupportedException">The target always stages (the default implementation).</exception>
    Task<IStagedImage> UploadInPlaceAsync(Stream content, long length, string key, bool overwrite, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(ErrorMessages.InPlaceUnsupported(DisplayName));
}
