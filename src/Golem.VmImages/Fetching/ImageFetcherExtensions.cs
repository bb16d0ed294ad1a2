namespace Golem.VmImages.Fetching;

/// <summary>Fetches the image a task package or image package names.</summary>
public static class ImageFetcherExtensions
{
    /// <summary>Gets the image a task-package string names (<c>hash:sha3:&lt;hex&gt;:&lt;url&gt;</c>), verified against its digest.</summary>
    /// <param name="fetcher">The fetcher.</param>
    /// <param name="taskPackage">The task package.</param>
    /// <param name="request">Progress and destination, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The verified image.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task<FetchedImage> FetchAsync(this IImageFetcher fetcher, TaskPackage taskPackage, ImageFetchRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(taskPackage);
        return fetcher.FetchAsync(taskPackage.Digest, [taskPackage.Url], request, cancellationToken);
    }

    /// <summary>Gets the image an image package names, verified against its SHA3-224 image hash.</summary>
    /// <param name="fetcher">The fetcher.</param>
    /// <param name="imagePackage">The image package.</param>
    /// <param name="request">Progress and destination, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The verified image.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task<FetchedImage> FetchAsync(this IImageFetcher fetcher, ImagePackage imagePackage, ImageFetchRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(imagePackage);
        return fetcher.FetchAsync(imagePackage.ImageHash, [imagePackage.ImageUrl], request, cancellationToken);
    }
}
