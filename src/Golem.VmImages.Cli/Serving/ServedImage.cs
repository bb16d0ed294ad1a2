using Golem.VmImages.Hashing;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// One image <c>gvmi serve</c> offers at <c>/<see cref="Name"/></c>: where it was found, the file its bytes come from
/// (a symbolic link's target), that file's identity when it was hashed (length, modification time and, on Linux,
/// device, inode and change time), and its hash.
/// </summary>
internal sealed record ServedImage(string Name, string SourcePath, FileIdentity Identity, ImageHash Hash)
{
    /// <summary>The file the bytes come from (a symbolic link's target).</summary>
    public string FilePath => Identity.FullPath;

    /// <summary>The file's length when it was hashed.</summary>
    public long Length => Identity.Length;

    /// <summary>The file's modification time when it was hashed.</summary>
    public DateTimeOffset LastModified => Identity.LastWriteTimeUtc;

    /// <summary>The strong entity tag: the quoted image hash, so a changed file can never keep its validator.</summary>
    public string EntityTag => $"\"{Hash}\"";

    /// <summary>
    /// Whether <paramref name="identity"/> is the one this image was hashed with: a rewrite that keeps the length and
    /// puts the old modification time back still moves the change time, so it does not match.
    /// </summary>
    public bool Matches(FileIdentity identity) => identity == Identity;
}
