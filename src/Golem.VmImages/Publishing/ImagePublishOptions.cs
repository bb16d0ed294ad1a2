namespace Golem.VmImages.Publishing;

/// <summary>How <see cref="ImagePublisher.PublishAsync"/> publishes one image.</summary>
public sealed class ImagePublishOptions
{
    /// <summary>Gets or sets the key to publish under, relative to the target.</summary>
    /// <value>The default, <see langword="null"/>, is the content address <c>&lt;sha3-224&gt;.gvmi</c>, so a URL never changes meaning.</value>
    public string? Key { get; set; }

    /// <summary>
    /// Gets or sets the image's SHA3-224 when the caller already knows it (an earlier run, a build), so a remote target
    /// is checked before the file is read at all. Since nobody has checked it against this file, the bytes are hashed
    /// while they upload, and a file that does not match is never committed.
    /// </summary>
    /// <value>
    /// The default, <see langword="null"/>, takes the hash from <see cref="HashStore"/> when it remembers the unchanged
    /// file; otherwise a remote target that stages uploads is uploaded to a staging name while the file is hashed (the
    /// last byte held until the key is checked), one that does not is hashed first, and a local one while copying.
    /// </value>
    public ImageHash? ImageHash { get; set; }

    /// <summary>
    /// Gets or sets the store that remembers the file's hash by its identity when <see cref="ImageHash"/> is not given:
    /// the hash of an unchanged file is taken from it, so publishing the same file again neither reads it to learn the
    /// key nor sends a body when the image is already there, and a hash computed here is recorded in it.
    /// </summary>
    public FileHashStore? HashStore { get; set; }

    /// <summary>Gets or sets a value indicating whether a different object already at the key is replaced.</summary>
    /// <value>The default is <see langword="false"/>: a different object at the key fails with <see cref="ImageKeyConflictException"/>.</value>
    public bool Overwrite { get; set; }

    /// <summary>Gets or sets a value indicating whether the file's .gvmi trailer (length field, CRC, JSON) is checked before anything is uploaded.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ValidateImage { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the public URL is checked afterwards as a provider would use it: an
    /// anonymous HEAD answering 200 with the image's length and <c>Accept-Ranges: bytes</c>, and a range request for
    /// the image's last bytes returning exactly them.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool CheckPublicUrl { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the whole image is downloaded again from its public URL through the image fetcher and its hash checked.</summary>
    /// <value>The default is <see langword="false"/>. Needs a fetcher given to the <see cref="ImagePublisher"/>.</value>
    public bool Verify { get; set; }

    /// <summary>Gets or sets the progress sink, given the number of bytes sent so far (while the hash is computed beside the upload, the lesser of the bytes sent and hashed).</summary>
    /// <value>The default is <see langword="null"/>, no progress.</value>
    public IProgress<long>? Progress { get; set; }
}
