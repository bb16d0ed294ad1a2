using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Golem.VmImages.Building.Tar;

/// <summary>
/// A forward-only tar reader for container layers: ustar, PAX (<c>x</c> and <c>g</c>) and GNU long names
/// (<c>L</c>, <c>K</c>), octal and base-256 numbers. Unlike System.Formats.Tar it keeps PAX values as bytes, so
/// binary extended attributes (<c>SCHILY.xattr.*</c>) come through unchanged. Sparse entries are refused.
/// </summary>
internal sealed class TarReader
{
    public const int BlockSize = 512;
    private const string XattrPrefix = "SCHILY.xattr.";
    private const string LibarchiveXattrPrefix = "LIBARCHIVE.xattr.";

    private readonly Stream _stream;
    private readonly byte[] _header = new byte[BlockSize];
    private readonly Dictionary<string, byte[]> _global = new(StringComparer.Ordinal);
    private long _remaining;
    private int _padding;

    public TarReader(Stream stream) => _stream = stream;

    /// <summary>Gets the offset in the stream of the current entry's data.</summary>
    public long DataOffset { get; private set; }

    /// <summary>Gets the number of bytes consumed from the stream so far.</summary>
    public long Position { get; private set; }

    /// <summary>Reads the next entry's header, skipping whatever is left of the previous entry's data.</summary>
    /// <returns>The entry, or null at the end of the archive.</returns>
    public async ValueTask<TarEntry?> ReadNextAsync(CancellationToken cancellationToken)
    {
        await SkipDataAsync(cancellationToken).ConfigureAwait(false);
        Dictionary<string, byte[]>? pax = null;
        string? longName = null;
        string? longLink = null;
        while (true)
        {
            if (!await ReadBlockAsync(_header, cancellationToken).ConfigureAwait(false) || IsZero(_header))
            {
                return null;
            }

            VerifyChecksum(_header);
            var type = _header[156];
            var size = ReadNumber(_header.AsSpan(124, 12), "size");
            switch (type)
            {
                case (byte)'x':
                    pax = ParsePax(await ReadSmallDataAsync(size, cancellationToken).ConfigureAwait(false), pax);
                    continue;
                case (byte)'g':
                    ParsePax(await ReadSmallDataAsync(size, cancellationToken).ConfigureAwait(false), _global);
                    continue;
                case (byte)'L':
                    longName = Latin1(TrimNul(await ReadSmallDataAsync(size, cancellationToken).ConfigureAwait(false)));
                    continue;
                case (byte)'K':
                    longLink = Latin1(TrimNul(await ReadSmallDataAsync(size, cancellationToken).ConfigureAwait(false)));
                    continue;
                default:
                    return Complete(type, size, pax, longName, longLink);
            }
        }
    }

    /// <summary>Copies the current entry's data to <paramref name="destination"/>.</summary>
    public async ValueTask CopyDataToAsync(Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            while (_remaining > 0)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, _remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException(ErrorMessages.TarTruncated);
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                _remaining -= read;
                Position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await SkipDataAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SkipDataAsync(CancellationToken cancellationToken)
    {
        var toSkip = _remaining + _padding;
        _remaining = 0;
        _padding = 0;
        if (toSkip == 0)
        {
            return;
        }

        if (_stream.CanSeek)
        {
            _stream.Seek(toSkip, SeekOrigin.Current);
            Position += toSkip;
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            while (toSkip > 0)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, toSkip)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException(ErrorMessages.TarTruncated);
                }

                toSkip -= read;
                Position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private TarEntry Complete(byte type, long size, Dictionary<string, byte[]>? pax, string? longName, string? longLink)
    {
        var header = _header.AsSpan();
        var name = longName ?? UstarName(header);
        if (Lookup(pax, "path") is { } paxPath)
        {
            name = Latin1(paxPath);
        }

        if (type is (byte)'S' || Lookup(pax, "GNU.sparse.major") is not null || Lookup(pax, "GNU.sparse.size") is not null || Lookup(pax, "GNU.sparse.map") is not null)
        {
            throw new InvalidDataException(ErrorMessages.TarSparse(name));
        }

        var entryType = type switch
        {
            0 or (byte)'0' or (byte)'7' => TarEntryType.RegularFile,
            (byte)'1' => TarEntryType.HardLink,
            (byte)'2' => TarEntryType.SymbolicLink,
            (byte)'3' => TarEntryType.CharacterDevice,
            (byte)'4' => TarEntryType.BlockDevice,
            (byte)'5' => TarEntryType.Directory,
            (byte)'6' => TarEntryType.Fifo,
            _ => throw new InvalidDataException(ErrorMessages.TarUnsupportedType(name, type)),
        };
        if (Lookup(pax, "size") is { } paxSize)
        {
            size = ParseDecimal(paxSize, "size");
        }

        var entry = new TarEntry
        {
            Path = name,
            Type = entryType,
            Mode = (int)(ReadNumber(header.Slice(100, 8), "mode") & 0xFFF),
            Uid = Lookup(pax, "uid") is { } uid ? ParseDecimal(uid, "uid") : ReadNumber(header.Slice(108, 8), "uid"),
            Gid = Lookup(pax, "gid") is { } gid ? ParseDecimal(gid, "gid") : ReadNumber(header.Slice(116, 8), "gid"),
            ModificationTime = Lookup(pax, "mtime") is { } mtime ? ParseSeconds(mtime) : ReadNumber(header.Slice(136, 12), "mtime"),
            Size = entryType == TarEntryType.RegularFile ? size : 0,
            LinkName = Lookup(pax, "linkpath") is { } linkPath ? Latin1(linkPath) : longLink ?? Latin1(TrimNul(header.Slice(157, 100))),
            DeviceMajor = Lookup(pax, "SCHILY.devmajor") is { } major ? ParseDecimal(major, "devmajor") : ReadNumber(header.Slice(329, 8), "devmajor"),
            DeviceMinor = Lookup(pax, "SCHILY.devminor") is { } minor ? ParseDecimal(minor, "devminor") : ReadNumber(header.Slice(337, 8), "devminor"),
            ExtendedAttributes = ExtendedAttributes(pax),
        };

        // Data follows every type that declares a size (a hard link with a size has data in some archivers):
        // keep the stream aligned whatever the type.
        _remaining = size;
        _padding = (int)((BlockSize - (size % BlockSize)) % BlockSize);
        DataOffset = Position;
        return entry;
    }

    private List<KeyValuePair<string, byte[]>>? ExtendedAttributes(Dictionary<string, byte[]>? pax)
    {
        List<KeyValuePair<string, byte[]>>? result = null;
        foreach (var source in (IEnumerable<Dictionary<string, byte[]>>)[_global, pax ?? []])
        {
            foreach (var (key, value) in source)
            {
                if (key.StartsWith(XattrPrefix, StringComparison.Ordinal))
                {
                    Add(ref result, key[XattrPrefix.Length..], value);
                }
                else if (key.StartsWith(LibarchiveXattrPrefix, StringComparison.Ordinal))
                {
                    // libarchive writes the name URL-encoded and the value in base64.
                    var nameBytes = System.Web.HttpUtility.UrlDecodeToBytes(Encoding.Latin1.GetBytes(key[LibarchiveXattrPrefix.Length..]));
                    Add(ref result, Latin1(nameBytes), Base64Decode(value, key));
                }
            }
        }

        return result;

        static void Add(ref List<KeyValuePair<string, byte[]>>? list, string name, byte[] value)
        {
            list ??= [];
            list.RemoveAll(pair => string.Equals(pair.Key, name, StringComparison.Ordinal));
            list.Add(new(name, value));
        }
    }

    private static byte[] Base64Decode(byte[] value, string key)
    {
        var padded = new byte[(value.Length + 3) / 4 * 4];
        value.CopyTo(padded, 0);
        padded.AsSpan(value.Length).Fill((byte)'=');
        var result = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        return Base64.DecodeFromUtf8(padded, result, out _, out var written) == OperationStatus.Done
            ? result[..written]
            : throw new InvalidDataException(ErrorMessages.TarPaxValue(key));
    }

    private byte[]? Lookup(Dictionary<string, byte[]>? pax, string key) =>
        pax is not null && pax.TryGetValue(key, out var value) ? value
        : _global.TryGetValue(key, out var global) ? global
        : null;

    private static Dictionary<string, byte[]> ParsePax(ReadOnlySpan<byte> data, Dictionary<string, byte[]>? into)
    {
        into ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (!data.IsEmpty)
        {
            // A record is "<length> <key>=<value>\n", the length counting the whole record.
            var space = data.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(data[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > data.Length || length <= space + 2 || data[length - 1] != (byte)'\n')
            {
                if (data.IndexOfAnyExcept((byte)0) < 0)
                {
                    break;
                }

                throw new InvalidDataException(ErrorMessages.TarPaxRecord);
            }

            var record = data[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                throw new InvalidDataException(ErrorMessages.TarPaxRecord);
            }

            var key = Encoding.UTF8.GetString(record[..equals]);
            if (equals == record.Length - 1)
            {
                // An empty value deletes the key (POSIX), for "x" records that means "not set".
                into.Remove(key);
            }
            else
            {
                into[key] = record[(equals + 1)..].ToArray();
            }

            data = data[length..];
        }

        return into;
    }

    private async ValueTask<byte[]> ReadSmallDataAsync(long size, CancellationToken cancellationToken)
    {
        if (size > 64L << 20)
        {
            throw new InvalidDataException(ErrorMessages.TarMetadataTooLarge(size));
        }

        var padded = (int)((size + BlockSize - 1) / BlockSize * BlockSize);
        var data = new byte[padded];
        if (!await ReadBlockAsync(data, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException(ErrorMessages.TarTruncated);
        }

        return data[..(int)size];
    }

    private async ValueTask<bool> ReadBlockAsync(byte[] block, CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAtLeastAsync(block, block.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        Position += read;
        if (read == 0)
        {
            return false;
        }

        return read == block.Length ? true : throw new InvalidDataException(ErrorMessages.TarTruncated);
    }

    private static bool IsZero(ReadOnlySpan<byte> block) => block.IndexOfAnyExcept((byte)0) < 0;

    private static void VerifyChecksum(ReadOnlySpan<byte> header)
    {
        var stored = ReadNumber(header.Slice(148, 8), "checksum");
        long unsigned = 0;
        long signed = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : header[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        if (stored != unsigned && stored != signed)
        {
            throw new InvalidDataException(ErrorMessages.TarChecksum);
        }
    }

    private static string UstarName(ReadOnlySpan<byte> header)
    {
        var name = Latin1(TrimNul(header[..100]));
        if (!header.Slice(257, 6).SequenceEqual("ustar\0"u8))
        {
            return name;
        }

        var prefix = TrimNul(header.Slice(345, 155));
        return prefix.IsEmpty ? name : Latin1(prefix) + "/" + name;
    }

    /// <summary>Reads an octal field (NUL or space terminated) or a base-256 field (high bit set).</summary>
    internal static long ReadNumber(ReadOnlySpan<byte> field, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] == 0xFF)
            {
                throw new InvalidDataException(ErrorMessages.TarNumber(what));
            }

            long value = field[0] & 0x7F;
            foreach (var b in field[1..])
            {
                if (value > (long.MaxValue >> 8))
                {
                    throw new InvalidDataException(ErrorMessages.TarNumber(what));
                }

                value = (value << 8) | b;
            }

            return value;
        }

        long result = 0;
        var i = 0;
        while (i < field.Length && field[i] == (byte)' ')
        {
            i++;
        }

        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++)
        {
            result = (result << 3) | (uint)(field[i] - '0');
        }

        if (i < field.Length && field[i] is not (0 or (byte)' '))
        {
            throw new InvalidDataException(ErrorMessages.TarNumber(what));
        }

        return result;
    }

    private static long ParseDecimal(ReadOnlySpan<byte> value, string what) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result) ? result : throw new InvalidDataException(ErrorMessages.TarPaxValue(what));

    private static long ParseSeconds(ReadOnlySpan<byte> value)
    {
        var dot = value.IndexOf((byte)'.');
        var whole = dot < 0 ? value : value[..dot];
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new InvalidDataException(ErrorMessages.TarPaxValue("mtime"));
        }

        // A negative fractional time such as -1.5 is 1.5 s before the epoch: round towards minus infinity.
        return seconds < 0 && dot >= 0 && value[(dot + 1)..].IndexOfAnyExcept((byte)'0') >= 0 ? seconds - 1 : seconds;
    }

    private static ReadOnlySpan<byte> TrimNul(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return end < 0 ? field : field[..end];
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
