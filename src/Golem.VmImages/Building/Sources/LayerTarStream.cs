namespace Golem.VmImages.Building.Sources;

/// <summary>A layer opened as an uncompressed tar, with the checks that run when both its streams are read to the end.</summary>
internal sealed class LayerTarStream(VerifyingReadStream tar, VerifyingReadStream stored) : IDisposable
{
    public Stream Tar => tar;

    /// <summary>Reads what the tar reader left (end-of-archive padding, compressed trailer) so both digests are checked.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await tar.DrainAsync(cancellationToken).ConfigureAwait(false);
        await stored.DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => tar.Dispose();
}
