namespace Golem.VmImages.Cli.Serving;

/// <summary>One image <c>gvmi serve</c> offers: the file, its size and modification time when hashed, and its hash.</summary>
internal sealed record ServedImage(string Name, string Path, long Length, DateTimeOffset LastModified, ImageHash Hash)
{
    /// <summary>The strong entity tag: the quoted image hash, so a changed file can never keep its validator.</summary>
    public string EntityTag => $"\"{Hash}\"";

    /// <summary>Whether the file on disk is still the one that was hashed (same size and modification time).</summary>
    public bool IsUnchangedOnDisk()
    {
        var info = new FileInfo(Path);
        return info.Exists && info.Length == Length && info.LastWriteTimeUtc == LastModified.UtcDateTime;
    }
}
