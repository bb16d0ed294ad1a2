using System.Buffers.Binary;

namespace Golem.VmImages.Building.Squashfs;

/// <summary>Checks the squashfs image a tool wrote: magic, compressor and padding.</summary>
internal static class SquashfsSuperblock
{
    public static void Check(string path, SquashfsCompression expected, string tool)
    {
        Span<byte> superblock = stackalloc byte[96];
        long length;
        using (var file = File.OpenRead(path))
        {
            length = file.Length;
            if (file.ReadAtLeast(superblock, superblock.Length, throwOnEndOfStream: false) < superblock.Length || !superblock.StartsWith("hsqs"u8))
            {
                throw new ImageBuildException(ErrorMessages.BuildToolOutput(tool, "no squashfs magic"));
            }
        }

        var id = BinaryPrimitives.ReadUInt16LittleEndian(superblock[20..]);
        var wanted = expected switch
        {
            SquashfsCompression.Gzip => 1,
            SquashfsCompression.Lzo => 3,
            SquashfsCompression.Xz => 4,
            _ => 5,
        };
        if (id != wanted)
        {
            throw new ImageBuildException(ErrorMessages.BuildToolOutput(tool, "compressor id " + id + " instead of " + wanted));
        }

        var bytesUsed = BinaryPrimitives.ReadInt64LittleEndian(superblock[40..]);
        if (bytesUsed > length || length % 4096 != 0)
        {
            throw new ImageBuildException(ErrorMessages.BuildToolOutput(tool, "length " + length + " for " + bytesUsed + " bytes used, not padded to 4096"));
        }
    }
}
