namespace Golem.VmImages.Fetching;

/// <summary>
/// The volume dropped, or was about to drop, below the free space a download keeps
/// (<see cref="ImageFetcherOptions.MinimumFreeDiskSpace"/>); nothing was written past the check.
/// </summary>
internal sealed class FreeSpaceReserveException(string directory, long available, long reserve, long offset)
    : IOException(ErrorMessages.DiskFull(directory))
{
    public string Directory { get; } = directory;

    public long Available { get; } = available;

    public long Reserve { get; } = reserve;

    /// <summary>Gets the offset of the write that was not made.</summary>
    public long Offset { get; } = offset;
}

/// <summary>
/// Keeps a download's free-space reserve while the bytes are written, not only before the first one: it asks the
/// volume of the partial file how much is free before the first write and then at most every
/// <see cref="CheckInterval"/> bytes (more often as the volume nears the reserve, never letting the unchecked writes
/// exceed half the room left), and stops the transfer (<see cref="FreeSpaceReserveException"/>) before a write that
/// would take the volume below the reserve. A volume that cannot be asked (an unusual mount) is not checked.
/// </summary>
internal sealed class FreeSpaceGuard
{
    /// <summary>The most bytes written between two checks: one <c>statvfs</c> call per 4 MiB costs nothing next to the writes.</summary>
    public const long DefaultCheckInterval = 4L << 20;

    private readonly string _directory;
    private readonly long _reserve;
    private long _nextCheck;

    /// <summary>Initializes a guard for writes into <paramref name="directory"/>'s volume, starting at <paramref name="offset"/>.</summary>
    /// <param name="directory">The directory of the partial file.</param>
    /// <param name="reserve">The free space, in bytes, the volume must keep.</param>
    /// <param name="offset">The offset the transfer starts at; the first write is checked.</param>
    /// <param name="checkInterval">The most bytes written between two checks.</param>
    public FreeSpaceGuard(string directory, long reserve, long offset, long checkInterval = DefaultCheckInterval)
    {
        _directory = directory;
        _reserve = reserve;
        CheckInterval = checkInterval;
        _nextCheck = offset;
    }

    /// <summary>Gets the most bytes written between two checks.</summary>
    public long CheckInterval { get; }

    /// <summary>Called before <paramref name="count"/> bytes are written at <paramref name="offset"/>; throws when they would not leave the reserve free.</summary>
    /// <exception cref="FreeSpaceReserveException">The write would take the volume below the reserve.</exception>
    public void BeforeWrite(long offset, int count)
    {
        var end = offset + count;
        if (end <= _nextCheck)
        {
            return;
        }

        if (Available() is not { } available)
        {
            _nextCheck = end + CheckInterval;
            return;
        }

        if (available - count < _reserve)
        {
            throw new FreeSpaceReserveException(_directory, available, _reserve, offset);
        }

        // Unchecked writes up to the next check take at most half of the room this one leaves.
        var room = available - count - _reserve;
        _nextCheck = end + Math.Min(CheckInterval, room / 2);
    }

    private long? Available()
    {
        try
        {
            return new DriveInfo(_directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
