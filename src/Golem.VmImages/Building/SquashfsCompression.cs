namespace Golem.VmImages.Building;

/// <summary>
/// The squashfs compressors a provider VM can mount. zstd and lzma are deliberately absent: the provider runtime's
/// guest kernel is built without them, so such an image would not boot.
/// </summary>
public enum SquashfsCompression
{
    /// <summary>LZO (lzo1x_999), gvmkit-build's default.</summary>
    Lzo,

    /// <summary>gzip (zlib).</summary>
    Gzip,

    /// <summary>LZ4, high-compression mode as gvmkit-build uses it.</summary>
    Lz4,

    /// <summary>xz: the smallest images, the slowest build.</summary>
    Xz,
}
