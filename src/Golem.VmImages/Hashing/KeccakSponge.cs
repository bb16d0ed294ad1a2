namespace Golem.VmImages.Hashing;

/// <summary>
/// The engine seam behind <see cref="ImageHasher"/>: a SHA3 sponge that absorbs whole rate-sized
/// blocks and squeezes a digest without disturbing its running state.
/// </summary>
/// <remarks>
/// Callers buffer partial blocks themselves, so an engine only ever sees input whose length is a
/// multiple of <see cref="RateInBytes"/>. Squeezing works on a copy of the state, which is what
/// makes <see cref="ImageHasher.GetCurrentHash"/> cheap.
/// </remarks>
internal abstract class KeccakSponge
{
    protected KeccakSponge(int digestSizeInBytes)
    {
        DigestSizeInBytes = digestSizeInBytes;
        RateInBytes = 200 - (2 * digestSizeInBytes);
    }

    /// <summary>Gets the digest length: 28 for SHA3-224, 32, 48 or 64 for the longer variants.</summary>
    public int DigestSizeInBytes { get; }

    /// <summary>Gets the sponge rate: 144 bytes for SHA3-224.</summary>
    public int RateInBytes { get; }

    /// <summary>Absorbs <paramref name="blocks"/>, whose length is a multiple of <see cref="RateInBytes"/>.</summary>
    public abstract void Absorb(ReadOnlySpan<byte> blocks);

    /// <summary>
    /// Writes the digest of everything absorbed followed by <paramref name="finalBlock"/> (shorter
    /// than one block) to <paramref name="destination"/>, leaving this sponge's state unchanged.
    /// </summary>
    public abstract void Squeeze(ReadOnlySpan<byte> finalBlock, Span<byte> destination);

    /// <summary>Returns the sponge to its initial, empty state.</summary>
    public abstract void Reset();

    /// <summary>Creates the fastest available SHA3 sponge for a digest of <paramref name="digestSizeInBytes"/> bytes.</summary>
    public static KeccakSponge Create(int digestSizeInBytes) => new BouncyCastleKeccakSponge(digestSizeInBytes);
}
