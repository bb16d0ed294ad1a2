namespace Golem.VmImages.Packages;

/// <summary>Parses the hexadecimal digest shared by task-package strings and manifest hashes.</summary>
internal static class DigestText
{
    /// <summary>Parses an optional <c>0x</c> prefix and an even number of hex digits whose length selects the SHA3 variant.</summary>
    /// <param name="hex">The digest text.</param>
    /// <param name="offset">Where <paramref name="hex"/> starts in the whole input, for error positions.</param>
    /// <param name="digest">The digest on success.</param>
    /// <returns><see langword="null"/> on success; otherwise the error message.</returns>
    public static string? TryParse(ReadOnlySpan<char> hex, int offset, out Sha3Digest digest)
    {
        if (hex.Length >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        {
            hex = hex[2..];
            offset += 2;
        }

        return Sha3Digest.TryParseHex(hex, offset, out digest);
    }
}
