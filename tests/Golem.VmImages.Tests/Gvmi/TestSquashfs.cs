using System.Buffers.Binary;

namespace Golem.VmImages.Tests.Gvmi;

/// <summary>A squashfs 4.0 superblock for test images that are not real file systems: the fields the .gvmi readers check.</summary>
internal static class TestSquashfs
{
    /// <summary>The squashfs compression ids.</summary>
    public const ushort Gzip = 1, Lzma = 2, Lzo = 3, Xz = 4, Lz4 = 5, Zstd = 6;

    /// <summary>Writes a superblock at the start of <paramref name="squashfs"/> (at least 96 bytes) saying the image uses all of it.</summary>
    public static void Stamp(Span<byte> squashfs, ushort compression = Lzo, ushort major = 4, ushort minor = 0, long? bytesUsed = null)
    {
        squashfs[..96].Clear();
        "hsqs"u8.CopyTo(squashfs);
        BinaryPrimitives.WriteUInt32LittleEndian(squashfs[12..], 131072);
        BinaryPrimitives.WriteUInt16LittleEndian(squashfs[20..], compression);
        BinaryPrimitives.WriteUInt16LittleEndian(squashfs[22..], 17);
        BinaryPrimitives.WriteUInt16LittleEndian(squashfs[28..], major);
        BinaryPrimitives.WriteUInt16LittleEndian(squashfs[30..], minor);
        BinaryPrimitives.WriteInt64LittleEndian(squashfs[40..], bytesUsed ?? squashfs.Length);
    }

    /// <summary>A fake squashfs of <paramref name="length"/> bytes: a valid superblock, then seeded random bytes.</summary>
    public static byte[] Create(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        Stamp(bytes);
        return bytes;
    }
}
