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

    /// <summary>
    /// Copies the 25 lanes of the running state to <paramref name="destination"/>, for tests that compare
    /// engines at block boundaries; <see langword="false"/> when the engine does not expose its state.
    /// </summary>
    public virtual bool TryCopyState(Span<ulong> destination) => false;

    /// <summary>Creates the fastest available SHA3 sponge for a digest of <paramref name="digestSizeInBytes"/> bytes.</summary>
    /// <remarks>
    /// That is our own engine on its fastest path here (<see cref="KeccakCore.FastestPath"/>): AVX-512 when the CPU
    /// and runtime allow it (<c>DOTNET_EnableAVX512F=0</c> turns it off), otherwise the portable scalar path.
    /// </remarks>
    public static KeccakSponge Create(int digestSizeInBytes) => Create(digestSizeInBytes, KeccakCore.FastestPath);

    /// <summary>Creates our own SHA3 sponge running exactly <paramref name="path"/>.</summary>
    /// <exception cref="PlatformNotSupportedException"><paramref name="path"/> cannot run on this machine.</exception>
    public static KeccakSponge Create(int digestSizeInBytes, KeccakPath path)
    {
        if (!KeccakCore.IsSupported(path))
        {
            throw new PlatformNotSupportedException(ErrorMessages.KeccakPathNotSupported(path.ToString()));
        }

        return new ManagedKeccakSponge(digestSizeInBytes, path);
    }

    /// <summary>
    /// Creates the reference sponge, BouncyCastle's <c>Sha3Digest</c>: what the tests compare every path of ours
    /// against, and a portable fallback should a platform ever lack a path of ours that beats it (our scalar path
    /// is plain C# and runs everywhere, so today <see cref="Create(int)"/> never needs it).
    /// </summary>
    public static KeccakSponge CreateReference(int digestSizeInBytes) => new BouncyCastleKeccakSponge(digestSizeInBytes);
}
