namespace Golem.VmImages.Cli.Checksums;

/// <summary>What hashing one named input gave: its digest and length (-1 for a stream), or why it could not be read.</summary>
internal readonly record struct FileHashOutcome(string Name, Sha3Digest Digest, long Length, string? Error)
{
    public bool Succeeded => Error is null;

    /// <summary>The digest as an image hash (SHA3-224), or default for another length or a failure.</summary>
    public ImageHash Hash => Digest.TryGetImageHash(out var hash) ? hash : default;
}
