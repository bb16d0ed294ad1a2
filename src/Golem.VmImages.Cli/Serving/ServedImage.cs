namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// One image <c>gvmi serve</c> offers at <c>/<see cref="Name"/></c>: where it was found, the file its bytes come from
/// (a symbolic link's target), that file's size and modification time when it was hashed, and its hash.
/// </summary>
internal sealed record ServedImage(string Name, string SourcePath, string FilePath, long Length, DateTimeOffset LastModified, ImageHash Hash)
{
    /// <summary>The strong entity tag: the quoted image hash, so a changed file can never keep its validator.</summary>
    public string EntityTag => $"\"{Hash}\"";

    /// <summary>Whether <paramref name="length"/> and <paramref name="lastWriteUtc"/> are the ones this image was hashed with.</summary>
    public bool Matches(long length, DateTime lastWriteUtc) => length == Length && lastWriteUtc == LastModified.UtcDateTime;
}
