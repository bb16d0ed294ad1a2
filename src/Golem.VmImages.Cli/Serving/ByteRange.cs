namespace Golem.VmImages.Cli.Serving;

/// <summary>A satisfiable slice of an image: <see cref="Length"/> bytes from <see cref="Start"/>.</summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    /// <summary>The last byte's offset, as Content-Range writes it.</summary>
    public long End => Start + Length - 1;
}
