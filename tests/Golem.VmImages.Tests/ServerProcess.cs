using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Golem.VmImages.Tests;

/// <summary>
/// A server the tests start as a child process (nginx, Apache, moto, docker-registry): a free loopback port for it,
/// the start that waits until it listens, and the stop.
/// </summary>
internal static class ServerProcess
{
    /// <summary>A loopback port that was free a moment ago, for the server started next.</summary>
    public static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="info"/> and returns the process once it listens on <paramref name="port"/>; otherwise
    /// stops it and fails the test with <paramref name="name"/> and what <paramref name="diagnostics"/> reads after it stopped.
    /// </summary>
    public static async Task<Process> StartListeningAsync(ProcessStartInfo info, int port, string name, Func<Process, Task<string>> diagnostics)
    {
        var process = Process.Start(info)!;
        if (await WaitUntilListeningAsync(process, port))
        {
            return process;
        }

        await KillAsync(process);
        var detail = await diagnostics(process);
        process.Dispose();
        Assert.Fail($"{name} did not start: {detail}");
        return process;
    }

    /// <summary>Kills the server with its children, waits for them, and releases the process.</summary>
    public static async ValueTask StopAsync(Process process)
    {
        await KillAsync(process);
        process.Dispose();
    }

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

    private static async Task KillAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
