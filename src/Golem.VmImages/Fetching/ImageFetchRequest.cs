namespace Golem.VmImages.Fetching;

/// <summary>What one call to <see cref="IImageFetcher.FetchAsync"/> asks for beyond the digest and URLs: a destination and a progress sink.</summary>
/// <remarks>The fetcher's own settings, shared by every call, are <see cref="ImageFetcherOptions"/>.</remarks>
public sealed class ImageFetchRequest
{
    /// <summary>Gets or sets where progress is reported, or <see langword="null"/>.</summary>
    public IProgress<ImageFetchProgress>? Progress { get; set; }

    /// <summary>
    /// Gets or sets a file path to write the verified image to instead of the cache, or <see langword="null"/> for the cache.
    /// The image is downloaded to a temporary file next to it (<c>.NAME.ALGORITHM-HEX.partial</c>, under the lock
    /// <c>.NAME.lock</c>) and renamed only after it verified. A file already there is returned when it hashes to the
    /// expected digest and is an error otherwise: a verified image never replaces another file. The directory must
    /// exist and be writable, which is checked before any download.
    /// </summary>
    public string? DestinationPath { get; set; }
}
