using Golem.VmImages.Hashing;

namespace Golem.VmImages;

/// <summary>
/// Hashes data with the SHA3 variant an expected digest names (SHA3-224, -256, -384 or -512, picked by its length)
/// and tells whether the data matches it: what a fetcher needs to verify a download against a task package.
/// </summary>
/// <example>
/// <code>
/// var verifier = new Sha3Verifier(taskPackage.Digest);
/// verifier.Append(chunk); // as the bytes arrive
/// if (!verifier.IsMatch(out var actual)) { /* reject: actual != verifier.Expected */ }
/// </code>
/// </example>
/// <remarks>
/// One engine serves all four lengths (the library's own Keccak engine, the same one behind <see cref="ImageHasher"/>),
/// so every length gets the same speed and behaviour on every platform. An instance is not thread-safe.
/// </remarks>
public sealed class Sha3Verifier
{
    private readonly Sha3Hasher _hasher;

    /// <summary>Initializes a verifier for <paramref name="expected"/>.</summary>
    /// <param name="expected">The digest the data must have; an <see cref="ImageHash"/> converts implicitly.</param>
    /// <exception cref="ArgumentException"><paramref name="expected"/> is default.</exception>
    public Sha3Verifier(Sha3Digest expected)
    {
        if (expected.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.DigestIsDefault, nameof(expected));
        }

        Expected = expected;
        _hasher = Sha3Hasher.Create(expected.BitLength);
    }

    /// <summary>Gets the digest the data must have.</summary>
    public Sha3Digest Expected { get; }

    /// <summary>Gets how many bytes have been appended since creation or the last <see cref="Reset"/>.</summary>
    public long BytesHashed => _hasher.BytesHashed;

    /// <summary>Appends <paramref name="data"/> to the data already hashed.</summary>
    /// <param name="data">The next bytes; may be empty.</param>
    public void Append(ReadOnlySpan<byte> data) => _hasher.Append(data);

    /// <summary>Returns the digest of the data appended so far, without resetting.</summary>
    /// <returns>A digest of the same length as <see cref="Expected"/>.</returns>
    public Sha3Digest GetCurrentDigest() => _hasher.GetCurrentDigest();

    /// <summary>Indicates whether the data appended so far has the expected digest.</summary>
    /// <returns><see langword="true"/> on a match.</returns>
    public bool IsMatch() => IsMatch(out _);

    /// <summary>Indicates whether the data appended so far has the expected digest, and returns the actual digest.</summary>
    /// <param name="actual">The digest of the data appended so far.</param>
    /// <returns><see langword="true"/> on a match.</returns>
    public bool IsMatch(out Sha3Digest actual)
    {
        actual = _hasher.GetCurrentDigest();
        return actual == Expected;
    }

    /// <summary>Discards everything appended so far (to start over, for example after a download restarts from zero).</summary>
    public void Reset() => _hasher.Reset();

    /// <summary>Indicates whether <paramref name="data"/> has the digest <paramref name="expected"/>.</summary>
    /// <param name="expected">The expected digest.</param>
    /// <param name="data">The data.</param>
    /// <returns><see langword="true"/> on a match.</returns>
    /// <exception cref="ArgumentException"><paramref name="expected"/> is default.</exception>
    public static bool Verify(Sha3Digest expected, ReadOnlySpan<byte> data)
    {
        var verifier = new Sha3Verifier(expected);
        verifier.Append(data);
        return verifier.IsMatch();
    }

    /// <summary>Computes the SHA3 digest of <paramref name="data"/> with the given length.</summary>
    /// <param name="bitLength">224, 256, 384 or 512.</param>
    /// <param name="data">The data.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bitLength"/> is not a SHA3 length.</exception>
    public static Sha3Digest HashData(int bitLength, ReadOnlySpan<byte> data) => Sha3Hasher.HashData(bitLength, data);
}
