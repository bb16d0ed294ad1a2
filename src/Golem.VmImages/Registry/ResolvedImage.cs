namespace Golem.VmImages.Registry;

/// <summary>What the image registry says about an image.</summary>
/// <param name="Package">The package for the image, using the link <see cref="ImageQuery.UseHttps"/> selected and the default requirements.</param>
/// <param name="SizeInBytes">The image size the registry reports.</param>
/// <param name="HttpUrl">The registry's <c>http</c> download link, when it sent one.</param>
/// <param name="HttpsUrl">The registry's <c>https</c> download link, when it sent one.</param>
public sealed record ResolvedImage(ImagePackage Package, long SizeInBytes, Uri? HttpUrl, Uri? HttpsUrl)
{
    /// <summary>Gets the image hash the registry reports (the SHA3-224 of the whole .gvmi file).</summary>
    public ImageHash ImageHash => Package.ImageHash;
}
