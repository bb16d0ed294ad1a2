namespace Golem.VmImages.Gvmi;

/// <summary>What <see cref="GvmiFile.WriteAsync(Stream, GvmiContainerConfig, Stream, CancellationToken)"/> wrote.</summary>
/// <param name="ImageHash">The SHA3-224 of everything written: the image hash of the .gvmi file.</param>
/// <param name="FileLength">The number of bytes written.</param>
/// <param name="SquashfsLength">The length of the squashfs part.</param>
/// <param name="Crc32">The CRC-32 of the metadata JSON.</param>
public sealed record GvmiWriteResult(ImageHash ImageHash, long FileLength, long SquashfsLength, uint Crc32);
