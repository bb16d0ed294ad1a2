using System.Buffers.Binary;

namespace Golem.VmImages.Gvmi;

/// <summary>
/// The check a .gvmi's squashfs passes before it is called an image: the 96-byte superblock at offset 0 carries the
/// magic <c>hsqs</c>, version 4.0, a <c>bytes_used</c> that ends at or before the trailer, and a compression the
/// provider's kernel mounts (gzip, lzo, lz4 or xz; the provider VM's kernel has no zstd and no lzma squashfs support).
/// </summary>
internal static class MountableSquashfs
{
    /// <summary>The size of a squashfs 4.0 superblock.</summary>
    public const int Size = 96;

    private const uint Magic = 0x73717368; // "hsqs" read as little-endian

    /// <summary>Throws <see cref="GvmiSquashfsException"/> unless <paramref name="superblock"/> (the first bytes of the file, up to <see cref="Size"/>) describes a mountable squashfs of at most <paramref name="squashfsLength"/> bytes.</summary>
    public static void Check(ReadOnlySpan<byte> superblock, long squashfsLength, string source)
    {
        if (squashfsLength < Size || superblock.Length < Size)
        {
            throw new GvmiSquashfsException(ErrorMessages.SquashfsTooShort(source, squashfsLength, Size));
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(superblock) != Magic)
        {
            throw new GvmiSquashfsException(ErrorMessages.SquashfsNoMagic(source, Convert.ToHexString(superblock[..4])));
        }

        var major = BinaryPrimitives.ReadUInt16LittleEndian(superblock[28..]);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(superblock[30..]);
        if (major != 4 || minor != 0)
        {
            throw new GvmiSquashfsException(ErrorMessages.SquashfsVersion(source, major, minor));
        }

        var compression = BinaryPrimitives.ReadUInt16LittleEndian(superblock[20..]);
        if (compression is not (1 or 3 or 4 or 5))
        {
            throw new GvmiSquashfsException(ErrorMessages.SquashfsCompression(source, CompressionName(compression)));
        }

        var bytesUsed = BinaryPrimitives.ReadUInt64LittleEndian(superblock[40..]);
        if (bytesUsed < Size || bytesUsed > (ulong)squashfsLength)
        {
            throw new GvmiSquashfsException(ErrorMessages.SquashfsBytesUsed(source, bytesUsed, squashfsLength));
        }
    }

    private static string CompressionName(ushort id) => id switch
    {
        2 => "lzma",
        6 => "zstd",
        _ => "unknown compression " + id.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
