namespace Golem.VmImages.Building;

/// <summary>How <see cref="GvmiBuilder"/> reads its source.</summary>
public enum GvmiSourceFormat
{
    /// <summary>A container image, recognised by its content: an OCI layout directory, an oci-archive tar or a docker-save tar.</summary>
    Image,

    /// <summary>A plain root filesystem: a tar (uncompressed, gzip or zstd) or a directory; the run configuration comes from the options alone.</summary>
    RootFileSystem,
}
