namespace Golem.VmImages.Publishing;

/// <summary>An image published to a target and what requestors need to use it.</summary>
/// <param name="ImageHash">The image's SHA3-224.</param>
/// <param name="Length">The image's length in bytes.</param>
/// <param name="Key">The key it is stored under, relative to the target.</param>
/// <param name="PublicUrl">The URL providers download it from.</param>
/// <param name="Outcome">What publishing did at the target.</param>
/// <param name="Verified"><see langword="true"/> when the image was downloaded again from <paramref name="PublicUrl"/> and hashed to <paramref name="ImageHash"/>.</param>
public sealed record PublishedImage(ImageHash ImageHash, long Length, string Key, Uri PublicUrl, PublishOutcome Outcome, bool Verified)
{
    /// <summary>Gets the task package <c>hash:sha3:&lt;hex&gt;:&lt;url&gt;</c> a provider deploys.</summary>
    public TaskPackage TaskPackage => new(ImageHash, PublicUrl);

    /// <summary>Returns the image package (the C# <c>vm.repo()</c>) with default requirements, for building a demand.</summary>
    /// <returns>The package for <see cref="ImageHash"/> at <see cref="PublicUrl"/>.</returns>
    public ImagePackage ToImagePackage() => new(ImageHash, PublicUrl, allowFileUrl: PublicUrl.IsFile);
}
