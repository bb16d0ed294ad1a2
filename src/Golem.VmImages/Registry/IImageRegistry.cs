namespace Golem.VmImages.Registry;

/// <summary>Resolves images through the Golem image registry (<c>GET /v1/image/info</c>).</summary>
public interface IImageRegistry
{
    /// <summary>Asks the registry for an image by tag or hash.</summary>
    /// <param name="query">The tag or hash and which link to use.</param>
    /// <param name="cancellationToken">Cancels the request, including retries.</param>
    /// <returns>The image's package and size.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageNotFoundException">The registry does not know the image (404).</exception>
    /// <exception cref="ImageRegistryStatusException">The registry answered with another non-success status.</exception>
    /// <exception cref="ImageRegistryResponseException">The registry's answer is not a valid image description.</exception>
    /// <exception cref="ImageRegistryException">The registry could not be reached or did not answer in time, after the configured retries.</exception>
    Task<ResolvedImage> ResolveAsync(ImageQuery query, CancellationToken cancellationToken = default);
}
