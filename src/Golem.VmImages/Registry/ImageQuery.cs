namespace Golem.VmImages.Registry;

/// <summary>
/// What to ask the image registry: an image by tag (<c>user/repository:tag</c>) or by hash, and which download
/// link to use. The equivalent of <c>vm.repo(image_tag=...)</c> / <c>vm.repo(image_hash=...)</c> without a URL.
/// </summary>
public sealed record ImageQuery
{
    private ImageQuery(string? tag, ImageHash? hash)
    {
        Tag = tag;
        Hash = hash;
    }

    /// <summary>Gets the tag asked for, or <see langword="null"/> when asking by hash.</summary>
    public string? Tag { get; }

    /// <summary>Gets the hash asked for, or <see langword="null"/> when asking by tag.</summary>
    public ImageHash? Hash { get; }

    /// <summary>Gets a value indicating whether to use the registry's <c>https</c> link rather than its <c>http</c> link (<c>image_use_https</c>).</summary>
    /// <value>The default is <see langword="false"/>, as in <c>vm.repo()</c>.</value>
    public bool UseHttps { get; init; }

    /// <summary>
    /// Gets a value indicating whether to send <c>dev=true</c> (<c>dev_mode</c>: the download is not counted in the
    /// registry's statistics) rather than <c>count=true</c>.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DevMode { get; init; }

    /// <summary>Asks for the image with a tag.</summary>
    /// <param name="tag">A tag of the form <c>user/repository:tag</c>, such as <c>golem/alpine:latest</c>.</param>
    /// <returns>The query.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tag"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is not of the form <c>user/repository:tag</c>.</exception>
    public static ImageQuery ByTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!IsValidTag(tag))
        {
            throw new ArgumentException(ErrorMessages.RegistryTagFormat(tag), nameof(tag));
        }

        return new ImageQuery(tag, null);
    }

    /// <summary>Asks for the image with a hash.</summary>
    /// <param name="hash">The image hash.</param>
    /// <returns>The query.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is default.</exception>
    public static ImageQuery ByHash(ImageHash hash)
    {
        if (hash.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.ImageHashIsDefault, nameof(hash));
        }

        return new ImageQuery(null, hash);
    }

    /// <summary>Indicates whether <paramref name="tag"/> has the form <c>user/repository:tag</c>.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns><see langword="true"/> for three non-empty parts without white space, <c>/</c> or <c>:</c> inside them.</returns>
    public static bool IsValidTag(string? tag)
    {
        if (string.IsNullOrEmpty(tag))
        {
            return false;
        }

        var slash = tag.IndexOf('/', StringComparison.Ordinal);
        var colon = tag.IndexOf(':', StringComparison.Ordinal);
        if (slash <= 0 || colon <= slash + 1 || colon == tag.Length - 1)
        {
            return false;
        }

        var user = tag.AsSpan(0, slash);
        var repository = tag.AsSpan(slash + 1, colon - slash - 1);
        var version = tag.AsSpan(colon + 1);
        return IsPart(user) && IsPart(repository) && IsPart(version);

        static bool IsPart(ReadOnlySpan<char> part)
        {
            foreach (var c in part)
            {
                if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The query string of <c>/v1/image/info</c>, as the Python SDK sends it (tag URL-encoded).</summary>
    internal string ToQueryString() =>
        string.Concat(
            Tag is not null ? "tag=" + Uri.EscapeDataString(Tag) : "hash=" + Hash!.Value.ToString(),
            DevMode ? "&dev=true" : "&count=true");
}
