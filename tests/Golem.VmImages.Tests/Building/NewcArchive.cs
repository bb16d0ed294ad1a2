using System.Globalization;
using System.Text;

namespace Golem.VmImages.Tests.Building;

/// <summary>Writes a cpio "newc" archive, the format the Linux kernel unpacks as an initramfs.</summary>
public sealed class NewcArchive
{
    private readonly MemoryStream _buffer = new();
    private int _inode = 1;

    public NewcArchive Directory(string name) => Add(name, 0x41ED, []);

    public NewcArchive File(string name, byte[] data, int mode = 0x81ED) => Add(name, mode, data);

    public byte[] Build()
    {
        Add("TRAILER!!!", 0, []);
        return _buffer.ToArray();
    }

    private NewcArchive Add(string name, int mode, byte[] data)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        var fields = new[] { _inode++, mode, 0, 0, 1, 0, data.Length, 0, 0, 0, 0, nameBytes.Length, 0 };
        var header = "070701" + string.Concat(fields.Select(f => f.ToString("X8", CultureInfo.InvariantCulture)));
        _buffer.Write(Encoding.ASCII.GetBytes(header));
        _buffer.Write(nameBytes);
        Pad();
        _buffer.Write(data);
        Pad();
        return this;
    }

    private void Pad()
    {
        while (_buffer.Length % 4 != 0)
        {
            _buffer.WriteByte(0);
        }
    }
}
