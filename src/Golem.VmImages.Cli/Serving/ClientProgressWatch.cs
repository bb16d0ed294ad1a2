using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Holds an image response to the slow-client rule as the client receives it: Kestrel's own minimum data rate counts
/// the bytes the kernel accepts into its socket buffers (megabytes per connection), so a client that reads nothing
/// looks like progress for minutes. This watch reads the bytes the client's TCP stack acknowledged
/// (<c>tcpi_bytes_acked</c> of <c>TCP_INFO</c>) once per <see cref="ServeOptions.MinDataRateGracePeriod"/>; after the
/// first period, a period in which the client acknowledged less than <see cref="ServeOptions.MinDataRate"/> bytes per
/// second cuts the connection. A non-reading client is acknowledged only what fits its receive window, so it is cut
/// after two periods (20 seconds by default). Linux only; elsewhere Kestrel's rule alone applies.
/// </summary>
internal sealed class ClientProgressWatch : IDisposable
{
    private const int IpProtocolTcp = 6;
    private const int TcpInfoOption = 11;

    /// <summary>The offset of <c>tcpi_bytes_acked</c> (a 64-bit count, since Linux 4.1) in <c>struct tcp_info</c>.</summary>
    private const int BytesAckedOffset = 120;

    private readonly Socket _socket;
    private readonly HttpContext _context;
    private readonly double _minimum;
    private readonly Action<long> _onCut;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private long _lastAcked;
    private int _periods;
    private bool _done;

    private ClientProgressWatch(Socket socket, HttpContext context, ServeOptions options, long acked, Action<long> onCut)
    {
        _socket = socket;
        _context = context;
        _minimum = options.MinDataRate * options.MinDataRateGracePeriod.TotalSeconds;
        _onCut = onCut;
        _lastAcked = acked;
        var period = options.MinDataRateGracePeriod;
        _timer = options.TimeProvider.CreateTimer(static state => ((ClientProgressWatch)state!).Check(), this, period, period);
    }

    /// <summary>
    /// Starts watching the response of <paramref name="context"/>, or returns <see langword="null"/> where the
    /// acknowledged bytes cannot be read (not Linux, not a TCP socket, the rule turned off).
    /// <paramref name="onCut"/> is told the bytes acknowledged in the period that cut the connection.
    /// </summary>
    public static ClientProgressWatch? Start(HttpContext context, ServeOptions options, Action<long> onCut)
    {
        if (!OperatingSystem.IsLinux() || options.MinDataRate <= 0 || options.MinDataRateGracePeriod <= TimeSpan.Zero
            || context.Features.Get<IConnectionSocketFeature>()?.Socket is not { ProtocolType: ProtocolType.Tcp } socket
            || BytesAcked(socket) is not { } acked)
        {
            return null;
        }

        return new ClientProgressWatch(socket, context, options, acked, onCut);
    }

    /// <summary>Stops watching: the response is written (or failed).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _done = true;
        }

        _timer.Dispose();
    }

    private void Check()
    {
        long progress;
        lock (_lock)
        {
            if (_done || BytesAcked(_socket) is not { } acked)
            {
                return;
            }

            progress = acked - _lastAcked;
            _lastAcked = acked;
            _periods++;

            // The first period is the grace period: a response may start slowly.
            if (_periods < 2 || progress >= _minimum)
            {
                return;
            }

            _done = true;
        }

        _timer.Dispose();
        _onCut(progress);
        _context.Abort();
    }

    private static long? BytesAcked(Socket socket)
    {
        Span<byte> info = stackalloc byte[256];
        try
        {
            var length = socket.GetRawSocketOption(IpProtocolTcp, TcpInfoOption, info);
            return length >= BytesAckedOffset + sizeof(long) ? MemoryMarshal.Read<long>(info[BytesAckedOffset..]) : null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return null;
        }
    }
}
