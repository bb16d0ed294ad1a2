namespace Golem.VmImages.Fetching;

/// <summary>Settings of one fetch.</summary>
public sealed class ImageFetchOptions
{
    /// <summary>Gets or sets where progress is reported, or <see langword="null"/>.</summary>
    public IProgress<ImageFetchProgress>? Progress { get; set; }

    /// <summary>
    /// Gets or sets a file path to write the verified image to instead of the cache, or <see langword="null"/> for the cache.
    /// The image is still downloaded to a temporary file next to it and renamed only after it verified; an existing file there is an error.
    /// </summary>
    public string? DestinationPath { get; set; }
}
