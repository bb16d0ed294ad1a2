namespace Golem.VmImages.Building.Sources;

/// <summary>Reads some bytes already taken from a stream (to look at its magic), then the rest of that stream, which it owns.</summary>
internal sealed class PrefixedReadStream(ReadOnlyMemory<byte> prefix, Stream rest) : ForwardReadStream(rest)
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty || buffer.IsEmpty)
        {
            return Inner.Read(buffer);
        }

        var take = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..take].CopyTo(buffer);
        _prefix = _prefix[take..];
        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _prefix.IsEmpty || buffer.IsEmpty ? Inner.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(Read(buffer.Span));
}
