using System.Diagnostics;
using System.Globalization;

namespace Golem.VmImages.Tests;

/// <summary>Waits for a child process that was sent a signal, so a signal that went nowhere fails the test instead of hanging it.</summary>
internal static class ProcessExit
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits up to 30 seconds for <paramref name="process"/> to exit after <paramref name="signal"/>; otherwise kills it
    /// and fails, saying whether the signal is ignored here (a shell without job control starts background commands
    /// with SIGINT ignored, and children inherit that).
    /// </summary>
    public static async Task WaitAfterSignalAsync(Process process, string signal)
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var ignored = signal == "SIGINT" && IgnoresSigint();
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"the process did not exit within {Bound.TotalSeconds} s of {signal}{(ignored ? "; SIGINT is ignored in this test process, so its children ignore it too (run the tests from a shell with job control, or in the foreground)" : string.Empty)}"));
        }
    }

    /// <summary>Reads this process's ignored-signal mask from <c>/proc/self/status</c>; SIGINT is signal 2.</summary>
    private static bool IgnoresSigint()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0b10) != 0;
    }
}
