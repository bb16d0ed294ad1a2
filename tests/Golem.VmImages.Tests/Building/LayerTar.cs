using System.Formats.Tar;
using System.Text;

namespace Golem.VmImages.Tests.Building;

/// <summary>Writes synthetic layer tars with System.Formats.Tar (an independent writer), plus raw PAX for binary values.</summary>
public sealed class LayerTar
{
    private readonly MemoryStream _buffer = new();
    private readonly TarWriter _writer;

    public LayerTar() => _writer = new TarWriter(_buffer, TarEntryFormat.Pax, leaveOpen: true);

    public LayerTar File(string path, string content, int mode = 0x1A4, int uid = 0, int gid = 0)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)), Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        _writer.WriteEntry(entry);
        return this;
    }

    public LayerTar FileBytes(string path, byte[] content, int mode = 0x1ED)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)mode, ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) });
        return this;
    }

    public LayerTar Directory(string path, int mode = 0x1ED, int uid = 0, int gid = 0)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) });
        return this;
    }

    public LayerTar Link(TarEntryType type, string path, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(type, path) { LinkName = target, Mode = (UnixFileMode)0x1FF, ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) });
        return this;
    }

    public LayerTar Device(TarEntryType type, string path, int major, int minor)
    {
        var entry = new PaxTarEntry(type, path) { Mode = (UnixFileMode)0x1B6 };
        if (type != TarEntryType.Fifo)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }

        _writer.WriteEntry(entry);
        return this;
    }

    /// <summary>A regular file preceded by a hand-written PAX header whose records hold raw bytes (System.Formats.Tar would re-encode them).</summary>
    public LayerTar RawPaxFile(string path, string content, params (string Key, byte[] Value)[] records)
    {
        var pax = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var body = Encoding.UTF8.GetBytes(" " + key + "=").Concat(value).Append((byte)'\n').ToArray();
            var length = body.Length + 1;
            while (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + body.Length != length)
            {
                length++;
            }

            pax.Write(Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            pax.Write(body);
        }

        WriteRaw((byte)'x', "PaxHeader", pax.ToArray(), 0, 0);
        WriteRaw((byte)'0', path, Encoding.UTF8.GetBytes(content), 0x1A4, 0);
        return this;
    }

    /// <summary>An entry of any type flag (such as GNU sparse 'S'), written by hand.</summary>
    public LayerTar RawEntry(byte type, string path, string content)
    {
        WriteRaw(type, path, Encoding.UTF8.GetBytes(content), 0x1A4, 0);
        return this;
    }

    public byte[] Build()
    {
        _writer.Dispose(); // writes the end-of-archive blocks
        return _buffer.ToArray();
    }

    private void WriteRaw(byte type, string name, byte[] data, int mode, long mtime)
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Octal(header, 100, 8, mode);
        Octal(header, 108, 8, 0);
        Octal(header, 116, 8, 0);
        Octal(header, 124, 12, data.Length);
        Octal(header, 136, 12, mtime);
        header[156] = type;
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        "00"u8.CopyTo(header.AsSpan(263));
        header.AsSpan(148, 8).Fill((byte)' ');
        Octal(header, 148, 7, header.Sum(b => (long)b));
        _buffer.Write(header);
        _buffer.Write(data);
        _buffer.Write(new byte[(512 - (data.Length % 512)) % 512]);
    }

    private static void Octal(byte[] header, int offset, int length, long value) =>
        Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(length - 1, '0')).CopyTo(header, offset);
}
