using System.Buffers;
using System.Globalization;
using System.Text;

namespace Golem.VmImages.Building.Tar;

/// <summary>
/// Writes a deterministic POSIX (PAX) tar stream: numeric owners only, no user or group names, and a PAX record
/// only for the values a ustar header cannot hold (long names, large ids or sizes, extended attributes, written
/// as raw bytes).
/// </summary>
internal sealed class TarWriter(Stream stream)
{
    private const long MaxOctal7 = 0x1FFFFF; // 7 octal digits
    private const long MaxOctal11 = 0x1FFFFFFFF; // 11 octal digits
    private static readonly byte[] Zeros = new byte[TarReader.BlockSize * 2];
    private readonly byte[] _header = new byte[TarReader.BlockSize];

    public long BytesWritten { get; private set; }

    /// <summary>Gets the stream an entry's data may be copied to directly, followed by <see cref="EndDataAsync"/>.</summary>
    public Stream BaseStream => stream;

    /// <summary>Accounts for <paramref name="length"/> bytes of data written to <see cref="BaseStream"/> and pads them.</summary>
    public async ValueTask EndDataAsync(long length, CancellationToken cancellationToken)
    {
        BytesWritten += length;
        await PadAsync(length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes an entry's header; a regular file's <see cref="TarEntry.Size"/> bytes must follow through <see cref="WriteDataAsync"/>.</summary>
    public async ValueTask WriteHeaderAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var path = Encoding.Latin1.GetBytes(entry.Type == TarEntryType.Directory && !entry.Path.EndsWith('/') ? entry.Path + "/" : entry.Path);
        var link = Encoding.Latin1.GetBytes(entry.LinkName);
        var pax = new List<(string Key, byte[] Value)>();
        if (path.Length > 100)
        {
            pax.Add(("path", path));
        }

        if (link.Length > 100)
        {
            pax.Add(("linkpath", link));
        }

        AddIfLarge(pax, "uid", entry.Uid, MaxOctal7);
        AddIfLarge(pax, "gid", entry.Gid, MaxOctal7);
        AddIfLarge(pax, "size", entry.Size, MaxOctal11);
        if (entry.ModificationTime is < 0 or > MaxOctal11)
        {
            pax.Add(("mtime", Ascii(entry.ModificationTime)));
        }

        AddIfLarge(pax, "SCHILY.devmajor", entry.DeviceMajor, MaxOctal7);
        AddIfLarge(pax, "SCHILY.devminor", entry.DeviceMinor, MaxOctal7);
        foreach (var (name, value) in entry.ExtendedAttributes ?? [])
        {
            pax.Add(("SCHILY.xattr." + name, value));
        }

        if (pax.Count > 0)
        {
            var records = PaxRecords(pax);
            FillHeader("PaxHeader"u8, (byte)'x', 0x1A4, 0, 0, records.Length, 0, [], 0, 0);
            await WriteBlockAsync(_header, cancellationToken).ConfigureAwait(false);
            await WriteDataAsync(records, cancellationToken).ConfigureAwait(false);
        }

        FillHeader(path.AsSpan(0, Math.Min(path.Length, 100)), (byte)entry.Type, entry.Mode, entry.Uid, entry.Gid, entry.Size, entry.ModificationTime, link.AsSpan(0, Math.Min(link.Length, 100)), entry.DeviceMajor, entry.DeviceMinor);
        await WriteBlockAsync(_header, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes data and pads it to a whole block; the data of one entry must be written in one call.</summary>
    public async ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        BytesWritten += data.Length;
        await PadAsync(data.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes of an entry's data from <paramref name="source"/> and pads them.</summary>
    public async ValueTask CopyDataAsync(Stream source, long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            var left = length;
            while (left > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException(ErrorMessages.TarTruncated);
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        BytesWritten += length;
        await PadAsync(length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the two zero blocks that end an archive.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Zeros, cancellationToken).ConfigureAwait(false);
        BytesWritten += Zeros.Length;
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask PadAsync(long length, CancellationToken cancellationToken)
    {
        var padding = (int)((TarReader.BlockSize - (length % TarReader.BlockSize)) % TarReader.BlockSize);
        if (padding > 0)
        {
            await stream.WriteAsync(Zeros.AsMemory(0, padding), cancellationToken).ConfigureAwait(false);
            BytesWritten += padding;
        }
    }

    private async ValueTask WriteBlockAsync(byte[] block, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(block, cancellationToken).ConfigureAwait(false);
        BytesWritten += block.Length;
    }

    private static void AddIfLarge(List<(string Key, byte[] Value)> pax, string key, long value, long max)
    {
        if (value > max)
        {
            pax.Add((key, Ascii(value)));
        }
    }

    private static byte[] Ascii(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static byte[] PaxRecords(List<(string Key, byte[] Value)> records)
    {
        using var buffer = new MemoryStream();
        foreach (var (key, value) in records)
        {
            // "<length> <key>=<value>\n", where the length counts its own digits.
            var keyBytes = Encoding.UTF8.GetBytes(key);
            var rest = 1 + keyBytes.Length + 1 + value.Length + 1;
            var length = rest + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + rest != length)
            {
                length++;
            }

            buffer.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
            buffer.WriteByte((byte)' ');
            buffer.Write(keyBytes);
            buffer.WriteByte((byte)'=');
            buffer.Write(value);
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    private void FillHeader(ReadOnlySpan<byte> name, byte type, int mode, long uid, long gid, long size, long mtime, ReadOnlySpan<byte> link, long major, long minor)
    {
        var h = _header.AsSpan();
        h.Clear();
        name.CopyTo(h);
        WriteOctal(h.Slice(100, 8), mode);
        WriteOctal(h.Slice(108, 8), Math.Min(uid, MaxOctal7));
        WriteOctal(h.Slice(116, 8), Math.Min(gid, MaxOctal7));
        WriteOctal(h.Slice(124, 12), Math.Min(size, MaxOctal11));
        WriteOctal(h.Slice(136, 12), Math.Clamp(mtime, 0, MaxOctal11));
        h[156] = type;
        link.CopyTo(h.Slice(157, 100));
        "ustar\0"u8.CopyTo(h.Slice(257, 6));
        "00"u8.CopyTo(h.Slice(263, 2));
        WriteOctal(h.Slice(329, 8), Math.Min(major, MaxOctal7));
        WriteOctal(h.Slice(337, 8), Math.Min(minor, MaxOctal7));
        h.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }

        WriteOctal(h.Slice(148, 7), sum);
    }

    private static void WriteOctal(Span<byte> field, long value)
    {
        // Digits right-aligned with leading zeros, then a NUL, as GNU tar and tar2sqfs expect.
        var digits = field.Length - 1;
        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[digits] = 0;
    }
}
