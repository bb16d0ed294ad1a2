using System.Buffers.Binary;
using System.Text;

namespace Golem.VmImages.Hashing;

/// <summary>
/// The on-disk record shared by the file-identity stores (<see cref="FileHashStore"/> and the push's descriptor
/// cache): a format tag, the file's <see cref="FileIdentity"/>, a payload and a SHA3-256 of all of it. A record is
/// written beside its final name and renamed over it, so a reader sees an old record, a new one or none; one whose
/// start or checksum does not hold is ignored.
/// </summary>
internal static class FileRecord
{
    private const int MaxRecordLength = 64 << 20;

    // SHA3-256 from the library's own engine names and checks records, so remembering a hash needs no OpenSSL
    // (gvmi hash runs where none is installed).
    private const int ChecksumBytes = 32;

    /// <summary>Reads the identity of the file at <paramref name="path"/> (it is opened, never read).</summary>
    public static FileIdentity Identify(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return FileIdentity.Of(path, handle);
    }

    /// <summary>The record's name in <paramref name="directory"/>: the SHA3-256 of the full path and a discriminator.</summary>
    public static string PathFor(string directory, string fullPath, string discriminator, string extension)
    {
        var key = Sha3Hasher.HashData(ChecksumBytes * 8, Encoding.UTF8.GetBytes(fullPath + "\n" + discriminator));
        return Path.Combine(directory, Convert.ToHexStringLower(key.Bytes) + extension);
    }

    /// <summary>The record's fixed start for a file: the format, then everything that must not have changed.</summary>
    public static byte[] Header(ReadOnlySpan<byte> magic, FileIdentity identity)
    {
        var path = Encoding.UTF8.GetBytes(identity.FullPath);
        var header = new byte[magic.Length + (5 * sizeof(long)) + sizeof(int) + path.Length];
        var span = header.AsSpan();
        magic.CopyTo(span);
        span = span[magic.Length..];
        BinaryPrimitives.WriteInt64BigEndian(span, identity.Length);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], identity.LastWriteTicks);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], identity.Device);
        BinaryPrimitives.WriteUInt64BigEndian(span[24..], identity.Inode);
        BinaryPrimitives.WriteInt64BigEndian(span[32..], identity.ChangeTimeNanoseconds);
        BinaryPrimitives.WriteInt32BigEndian(span[40..], path.Length);
        path.CopyTo(span[44..]);
        return header;
    }

    /// <summary>The payload of the record at <paramref name="recordPath"/> when it starts with <paramref name="header"/> and its checksum holds; otherwise <see langword="null"/>.</summary>
    public static ReadOnlyMemory<byte>? TryRead(string recordPath, byte[] header)
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
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        if (body.Length < header.Length + ChecksumBytes || !body.StartsWith(header))
        {
            return null;
        }

        Sha3Hasher.HashData(body[..^ChecksumBytes], checksum, KeccakCore.FastestPath);
        if (!checksum.SequenceEqual(body[^ChecksumBytes..]))
        {
            return null;
        }

        return record.AsMemory(header.Length, record.Length - header.Length - ChecksumBytes);
    }

    /// <summary>Writes the record beside its final name and renames it; a record that cannot be written only costs the next run a read.</summary>
    public static void TryWrite(string recordPath, byte[] header, ReadOnlySpan<byte> payload)
    {
        var record = new byte[header.Length + payload.Length + ChecksumBytes];
        header.CopyTo(record, 0);
        payload.CopyTo(record.AsSpan(header.Length));
        Sha3Hasher.HashData(record.AsSpan(0, record.Length - ChecksumBytes), record.AsSpan(record.Length - ChecksumBytes), KeccakCore.FastestPath);
        var temporary = recordPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(recordPath)!);
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
