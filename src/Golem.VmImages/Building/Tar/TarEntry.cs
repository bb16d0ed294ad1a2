namespace Golem.VmImages.Building.Tar;

/// <summary>
/// One tar entry's metadata, with every value a layer can carry kept exactly. Paths are byte strings held as
/// Latin-1 text (one char per byte), so names that are not valid UTF-8 survive a read and a write unchanged.
/// </summary>
internal sealed class TarEntry
{
    public required string Path { get; set; }

    public TarEntryType Type { get; set; }

    /// <summary>Gets or sets the permission bits, including setuid, setgid and sticky (12 bits).</summary>
    public int Mode { get; set; }

    public long Uid { get; set; }

    public long Gid { get; set; }

    /// <summary>Gets or sets the modification time in whole seconds since the Unix epoch.</summary>
    public long ModificationTime { get; set; }

    /// <summary>Gets or sets the length of the data that follows the header (only regular files have data).</summary>
    public long Size { get; set; }

    /// <summary>Gets or sets the target of a symbolic or hard link (a Latin-1 byte string like <see cref="Path"/>).</summary>
    public string LinkName { get; set; } = string.Empty;

    public long DeviceMajor { get; set; }

    public long DeviceMinor { get; set; }

    /// <summary>Gets or sets the extended attributes (name as a Latin-1 byte string, value as raw bytes), or null for none.</summary>
    public List<KeyValuePair<string, byte[]>>? ExtendedAttributes { get; set; }

    public TarEntry With(string path) => new()
    {
        Path = path,
        Type = Type,
        Mode = Mode,
        Uid = Uid,
        Gid = Gid,
        ModificationTime = ModificationTime,
        Size = Size,
        LinkName = LinkName,
        DeviceMajor = DeviceMajor,
        DeviceMinor = DeviceMinor,
        ExtendedAttributes = ExtendedAttributes,
    };
}
