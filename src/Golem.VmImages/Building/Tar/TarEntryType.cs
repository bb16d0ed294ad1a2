namespace Golem.VmImages.Building.Tar;

/// <summary>The tar type flags a container layer may hold (POSIX ustar, plus the legacy NUL for regular files).</summary>
internal enum TarEntryType : byte
{
    RegularFile = (byte)'0',
    HardLink = (byte)'1',
    SymbolicLink = (byte)'2',
    CharacterDevice = (byte)'3',
    BlockDevice = (byte)'4',
    Directory = (byte)'5',
    Fifo = (byte)'6',
}
