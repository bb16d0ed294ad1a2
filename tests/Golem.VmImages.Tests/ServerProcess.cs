using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Golem.VmImages.Tests;

/// <summary>Waits for a server the tests started as a child process (nginx, Apache, moto, docker-registry) to listen on loopback.</summary>
internal static class ServerProcess
{
    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> every <paramref name="interval"/> until it answers (true), the
    /// process exits, or <paramref name="attempts"/> tries have failed (false).
    /// </summary>
    public static async Task<bool> WaitUntilListeningAsync(Process process, int port, int attempts = 100, int interval = 50)
    {
        for (var i = 0; i < attempts && !process.HasExited; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(interval);
            }
        }

        return false;
    }
}
