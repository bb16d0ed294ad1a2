namespace Golem.VmImages.Gvmi;

/// <summary>The metadata trailer of a .gvmi file, read and checked by <see cref="GvmiFile"/>.</summary>
/// <param name="Config">The container config.</param>
/// <param name="ConfigJson">The metadata JSON exactly as stored.</param>
/// <param name="Crc32">The CRC-32 (IEEE) of the JSON, stored and verified.</param>
/// <param name="FileLength">The length of the whole file.</param>
/// <param name="SquashfsLength">The length of the squashfs image before the trailer.</param>
/// <param name="HasSquashfsMagic">Whether the file starts with the squashfs magic <c>hsqs</c>.</param>
public sealed record GvmiMetadata(
    GvmiContainerConfig Config,
    string ConfigJson,
    uint Crc32,
    long FileLength,
    long SquashfsLength,
    bool HasSquashfsMagic)
{
    /// <summary>Gets the length of the trailer: CRC-32, JSON and length field.</summary>
    public long TrailerLength => FileLength - SquashfsLength;
}
