using System.Globalization;

namespace Golem.VmImages;

/// <summary>
/// Every message the library puts into an exception, kept together so they read alike: one
/// sentence that names the thing, what was found and what was expected.
/// </summary>
internal static partial class ErrorMessages
{
    private static string Format(string format, params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);

    public static string ImageHashLength(int found) =>
        Format("Expected {0} hexadecimal characters for a SHA3-224 image hash but found {1}.", ImageHash.HexLength, found);

    public static string ImageHashCharacter(char found, int index) =>
        found == ':'
            ? Format("Invalid character ':' at index {0} of a SHA3-224 image hash; expected a hexadecimal digit (a prefixed form such as 'sha3:<hex>' is a task-package or manifest string, not a bare image hash).", index)
            : Format("Invalid character {0} at index {1} of a SHA3-224 image hash; expected a hexadecimal digit (0-9, a-f, A-F).", Describe(found), index);

    public static string ImageHashByteCount(int found) =>
        Format("Expected {0} bytes for a SHA3-224 image hash but found {1}.", ImageHash.SizeInBytes, found);

    public static string ImageHashIsDefault =>
        "This ImageHash is default(ImageHash) and holds no digest; obtain one from ImageHash.Parse, ImageHash.FromBytes or ImageHasher.";

    public static string ImageHashFormat(string format) =>
        Format("Unsupported format '{0}' for an image hash; expected \"\" or \"x\" (lowercase hex) or \"X\" (uppercase hex).", format);

    public static string ImageHashJsonToken(string tokenType) =>
        Format("Expected a JSON string holding a SHA3-224 image hash but found {0}.", tokenType);

    public static string DestinationTooShort(int required, int found) =>
        Format("The destination must hold at least {0} bytes but has room for {1}.", required, found);

    public static string NotAnImageHash(string algorithm) =>
        Format("A {0} digest is not an image hash; expected a SHA3-224 digest.", algorithm);

    public static string UnsupportedDigestLength(int bits) =>
        Format("Unsupported digest length {0} bits; expected 224, 256, 384 or 512.", bits);

    public static string StreamNotReadable => "The stream cannot be read (CanRead is false); expected a readable stream.";

    public static string HasherDisposed => "The ImageHasher has been disposed.";

    public static string KeccakPathNotSupported(string path) =>
        Format("The Keccak engine path {0} is not supported on this machine; check KeccakCore.SupportedPaths first.", path);

    public static string FileIdentityNoFile(string path) =>
        Format("No file at {0}; expected a file to identify.", path);

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c)
            ? Format("U+{0:X4}", (int)c)
            : Format("'{0}'", c);
}
