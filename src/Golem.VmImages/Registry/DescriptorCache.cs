using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Registry;

/// <summary>
/// Remembers the descriptors of files already hashed for a push, so pushing an unchanged file again (to resume after
/// a failure or Ctrl-C, or to attach another tag) does not read the whole file again. A record is named by the
/// SHA-256 of the file's full path and the chunk size; it holds the file's identity (<see cref="FileIdentity"/>), the
/// descriptor and a SHA-256 of both, and is used only when the identity read now is the stored one and the checksum
/// holds. Anything else (another file, a changed one, a damaged record) is hashed again and the record replaced.
/// </summary>
internal sealed class DescriptorCache(string directory)
{
    private const int MaxRecordLength = 64 << 20;

    private static ReadOnlySpan<byte> Magic => "GVMIDSC1"u8;

    /// <summary>Gets the full path of the cache directory.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The remembered descriptor of an unchanged file, or <paramref name="compute"/>'s, remembered when the file did not change meanwhile.</summary>
    public async Task<(ImageDescriptor Descriptor, bool FromCache)> GetOrComputeAsync(string path, long chunkSize, Func<CancellationToken, Task<ImageDescriptor>> compute, CancellationToken cancellationToken)
    {
        var before = Identify(path);
        var recordPath = RecordPath(before.FullPath, chunkSize);
        var header = Header(before);
        if (TryRead(recordPath, header, chunkSize, before.Length) is { } remembered)
        {
            return (remembered, true);
        }

        var descriptor = await compute(cancellationToken).ConfigureAwait(false);
        if (Identify(path) == before)
        {
            TryWrite(recordPath, header, descriptor);
        }

        return (descriptor, false);
    }

    private static FileIdentity Identify(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return FileIdentity.Of(path, handle);
    }

    private string RecordPath(string fullPath, long chunkSize)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(fullPath + "\n" + chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Path.Combine(Directory, Convert.ToHexStringLower(key) + ".descr");
    }

    /// <summary>The record's fixed start for a file: the format, then everything that must not have changed.</summary>
    private static byte[] Header(FileIdentity identity)
    {
        var path = Encoding.UTF8.GetBytes(identity.FullPath);
        var header = new byte[Magic.Length + (5 * sizeof(long)) + sizeof(int) + path.Length];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span = span[Magic.Length..];
        BinaryPrimitives.WriteInt64BigEndian(span, identity.Length);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], identity.LastWriteTicks);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], identity.Device);
        BinaryPrimitives.WriteUInt64BigEndian(span[24..], identity.Inode);
        BinaryPrimitives.WriteInt64BigEndian(span[32..], identity.ChangeTimeNanoseconds);
        BinaryPrimitives.WriteInt32BigEndian(span[40..], path.Length);
        path.CopyTo(span[44..]);
        return header;
    }

    private static ImageDescriptor? TryRead(string recordPath, byte[] header, long chunkSize, long length)
    {
        byte[] record;
        try
        {
            var info = new FileInfo(recordPath);
            if (!info.Exists || info.Length > MaxRecordLength)
            {
                return null;
            }

            record = File.ReadAllBytes(recordPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var body = record.AsSpan();
        if (body.Length < header.Length + ImageDescriptor.HeaderSize + SHA256.HashSizeInBytes
            || !body.StartsWith(header)
            || !SHA256.HashData(body[..^SHA256.HashSizeInBytes]).AsSpan().SequenceEqual(body[^SHA256.HashSizeInBytes..]))
        {
            return null;
        }

        return ImageDescriptor.TryParse(body[header.Length..^SHA256.HashSizeInBytes], out var descriptor)
            && descriptor.ChunkSize == chunkSize && descriptor.Size == length
            ? descriptor
            : null;
    }

    /// <summary>Writes the record beside its final name and renames it; a cache that cannot be written only costs the next push a read.</summary>
    private void TryWrite(string recordPath, byte[] header, ImageDescriptor descriptor)
    {
        var record = new byte[header.Length + descriptor.Bytes.Length + SHA256.HashSizeInBytes];
        header.CopyTo(record, 0);
        descriptor.Bytes.Span.CopyTo(record.AsSpan(header.Length));
        SHA256.HashData(record.AsSpan(0, record.Length - SHA256.HashSizeInBytes), record.AsSpan(record.Length - SHA256.HashSizeInBytes));
        var temporary = recordPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(temporary, record);
            File.Move(temporary, recordPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing was written, or nothing can be: either way the record is not used.
            }
        }
    }
}
