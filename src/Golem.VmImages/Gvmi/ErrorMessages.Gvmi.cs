namespace Golem.VmImages;

/// <content>Messages for .gvmi files.</content>
internal static partial class ErrorMessages
{
    public static string GvmiTooSmall(string source, long length, int minimum) =>
        Format("The .gvmi file {0} is {1} bytes long; expected at least {2} bytes (a squashfs image, a CRC-32, the metadata JSON and an 8-digit length).", source, length, minimum);

    public static string GvmiLengthFieldNotDigits(string source, string found) =>
        Format("The metadata length field at the end of the .gvmi file {0} is '{1}'; expected 8 ASCII decimal digits.", source, found);

    public static string GvmiLengthFieldTooLarge(string source, long metadataLength, long fileLength) =>
        Format("The metadata length field of the .gvmi file {0} says {1} bytes of JSON, which with the CRC and the length field exceeds the file length {2}; expected a length that fits.", source, metadataLength, fileLength);

    public static string GvmiCrcMismatch(string source, uint stored, uint computed) =>
        Format("The metadata of the .gvmi file {0} has CRC-32 0x{1:x8} but the stored CRC-32 is 0x{2:x8}; expected them to match.", source, computed, stored);

    public static string GvmiConfigJson(string source, string detail) =>
        Format("The metadata of the .gvmi file {0} is not a valid container config ({1}); expected a JSON object such as {{\"Cmd\":[\"/bin/sh\"]}}.", source, detail);

    public static string GvmiConfigMember(string member, string kind, string expected) =>
        Format("The container config member '{0}' is a JSON {1}; expected {2}.", member, kind, expected);

    public static string GvmiConfigNotText =>
        "The container config holds a string with an unpaired surrogate escape (such as \\ud800); expected valid Unicode text.";

    public static string GvmiConfigTooLarge(int length) =>
        Format("The container config JSON is {0} bytes long; expected at most 99999999 bytes (the 8-digit length field).", length);

    public static string SquashfsTooShort(string source, long length, int minimum) =>
        Format("The .gvmi file {0} holds {1} bytes before its trailer; expected a squashfs image of at least {2} bytes (its superblock).", source, length, minimum);

    public static string SquashfsNoMagic(string source, string found) =>
        Format("The .gvmi file {0} starts with bytes {1}; expected a squashfs image, whose magic is 'hsqs' (68-73-71-73).", source, found);

    public static string SquashfsVersion(string source, int major, int minor) =>
        Format("The squashfs image in the .gvmi file {0} is version {1}.{2}; expected version 4.0, the one Linux mounts.", source, major, minor);

    public static string SquashfsCompression(string source, string compression) =>
        Format("The squashfs image in the .gvmi file {0} is compressed with {1}; expected gzip, lzo, lz4 or xz, which the provider's kernel mounts.", source, compression);

    public static string SquashfsBytesUsed(string source, ulong bytesUsed, long squashfsLength) =>
        Format("The squashfs superblock of the .gvmi file {0} says the image uses {1} bytes, but {2} bytes come before the trailer; expected the image to end at or before the trailer.", source, bytesUsed, squashfsLength);

    public static string GvmiNotRegularFile(string path, string kind) =>
        Format("'{0}' is {1}, not a regular file; expected a .gvmi file, whose metadata is read from its end.", path, kind);

    public static string GvmiNotSquashfs(string found) =>
        Format("The squashfs input starts with bytes {0}; expected the squashfs magic 'hsqs' (68-73-71-73).", found);

    public static string StreamNotSeekable => "The stream cannot be read or cannot seek (CanRead or CanSeek is false); expected a readable, seekable stream holding the whole .gvmi file.";

    public static string StreamNotWritable => "The stream cannot be written (CanWrite is false); expected a writable stream.";
}
