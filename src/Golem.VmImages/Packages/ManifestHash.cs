using System.Diagnostics.CodeAnalysis;
using Golem.VmImages.Packages;

namespace Golem.VmImages;

/// <summary>
/// The <c>sha3:&lt;hex&gt;</c> form in which computation payload manifests name an image
/// (<c>payload[].hash</c>).
/// </summary>
public static class ManifestHash
{
    private const string Prefix = "sha3:";

    /// <summary>Formats a digest as <c>sha3:&lt;lowercase hex&gt;</c>.</summary>
    /// <param name="digest">The digest; an <see cref="ImageHash"/> converts implicitly.</param>
    /// <returns>The manifest hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is default.</exception>
    public static string Format(Sha3Digest digest)
    {
        if (digest.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.DigestIsDefault, nameof(digest));
        }

        return Prefix + digest.ToString();
    }

    /// <summary>
    /// Parses <c>sha3:&lt;hex&gt;</c>: any letter case, an optional <c>0x</c> before the digest, and 56, 64, 96
    /// or 128 hexadecimal characters selecting SHA3-224, -256, -384 or -512.
    /// </summary>
    /// <param name="s">The text; surrounding white space is ignored.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a manifest hash; the message says why.</exception>
    public static Sha3Digest Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParseCore(s, out var digest) is { } error ? throw new FormatException(error) : digest;
    }

    /// <summary>Tries to parse <c>sha3:&lt;hex&gt;</c> (see <see cref="Parse(string)"/>).</summary>
    /// <param name="s">The text; surrounding white space is ignored.</param>
    /// <param name="digest">The digest, or default.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> was a manifest hash.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, out Sha3Digest digest)
    {
        digest = default;
        return s is not null && TryParseCore(s, out digest) is null;
    }

    private static string? TryParseCore(ReadOnlySpan<char> s, out Sha3Digest digest)
    {
        digest = default;
        var leading = s.Length - s.TrimStart().Length;
        s = s.Trim();
        if (!s.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return ErrorMessages.ManifestHashPrefix(s.ToString());
        }

        return DigestText.TryParse(s[Prefix.Length..], leading + Prefix.Length, out digest);
    }
}
