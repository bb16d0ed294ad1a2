namespace Golem.VmImages.Cli.Checksums;

/// <summary>What hashing one named input gave: its hash and length, or why it could not be read.</summary>
internal readonly record struct FileHashOutcome(string Name, ImageHash Hash, long Length, string? Error)
{
    public bool Succeeded => Error is null;
}
