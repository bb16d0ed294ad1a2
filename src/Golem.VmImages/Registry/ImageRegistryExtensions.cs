namespace Golem.VmImages.Registry;

/// <summary>The <c>vm.repo()</c> argument rules on top of an <see cref="IImageRegistry"/>.</summary>
public static class ImageRegistryExtensions
{
    /// <summary>
    /// The C# <c>vm.repo(image_hash=..., image_tag=..., image_url=...)</c>: with a direct URL, needs the hash and no tag
    /// and builds the package without asking the registry; without a URL, asks the registry by exactly one of the hash
    /// or the tag. Requirements keep their defaults; change them with <c>with { ... }</c>.
    /// </summary>
    /// <param name="registry">The registry.</param>
    /// <param name="imageHash">The image hash, or <see langword="null"/>.</param>
    /// <param name="imageTag">The tag (<c>user/repository:tag</c>), or <see langword="null"/>.</param>
    /// <param name="imageUrl">A direct image URL, or <see langword="null"/> to ask the registry.</param>
    /// <param name="useHttps">Whether to use the registry's https link.</param>
    /// <param name="devMode">Whether to send <c>dev=true</c> rather than <c>count=true</c>.</param>
    /// <param name="cancellationToken">Cancels the registry request.</param>
    /// <returns>The package.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The combination of arguments is not allowed, or one is invalid.</exception>
    /// <exception cref="ImageRegistryException">The registry could not resolve the image.</exception>
    public static Task<ImagePackage> RepoAsync(
        this IImageRegistry registry,
        ImageHash? imageHash = null,
        string? imageTag = null,
        Uri? imageUrl = null,
        bool useHttps = false,
        bool devMode = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (imageUrl is not null)
        {
            if (imageTag is not null)
            {
                throw new ArgumentException(ErrorMessages.RepoUrlWithTag, nameof(imageTag));
            }

            if (imageHash is not { } directHash)
            {
                throw new ArgumentException(ErrorMessages.RepoUrlWithoutHash, nameof(imageHash));
            }

            return Task.FromResult(new ImagePackage(directHash, imageUrl));
        }

        if (imageHash is null && imageTag is null)
        {
            throw new ArgumentException(ErrorMessages.RepoNeitherHashNorTag, nameof(imageHash));
        }

        if (imageHash is not null && imageTag is not null)
        {
            throw new ArgumentException(ErrorMessages.RepoBothHashAndTag, nameof(imageTag));
        }

        var query = (imageTag is not null ? ImageQuery.ByTag(imageTag) : ImageQuery.ByHash(imageHash!.Value)) with
        {
            UseHttps = useHttps,
            DevMode = devMode,
        };
        return RepoCoreAsync(registry, query, cancellationToken);
    }

    private static async Task<ImagePackage> RepoCoreAsync(IImageRegistry registry, ImageQuery query, CancellationToken cancellationToken)
    {
        var resolved = await registry.ResolveAsync(query, cancellationToken).ConfigureAwait(false);
        return resolved.Package;
    }
}
