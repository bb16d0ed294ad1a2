using System.Diagnostics;
using System.Text.RegularExpressions;
using Golem.VmImages.Tests.Fetching;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary><c>gvmi serve</c> as a child process (the built CLI), for signals and for what only a separate process can show.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class GvmiServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _error;
    private readonly TaskCompletionSource<Uri> _baseAddress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private GvmiServeProcess(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (_output)
                {
                    _output.Add(line);
                }

                if (ServingLine().Match(line) is { Success: true } match)
                {
                    _baseAddress.TrySetResult(new Uri(match.Groups[1].Value));
                }
            }

            _baseAddress.TrySetException(new InvalidOperationException("gvmi serve ended without serving."));
        });
    }

    public Process Process => _process;

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Starts <c>gvmi serve</c> with <paramref name="args"/>, optionally through <paramref name="wrapper"/> (e.g. setpriv).</summary>
    public static GvmiServeProcess Start(IReadOnlyList<string> args, IReadOnlyList<string>? wrapper = null)
    {
        var command = (wrapper ?? []).Concat(["dotnet", ProcessAndNginxTests.Gvmi, "serve"]).Concat(args).ToList();
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        return new GvmiServeProcess(Process.Start(info)!);
    }

    /// <summary>The advertised base address, once the start-up listing is printed.</summary>
    public async Task<Uri> WaitUntilServingAsync() => await _baseAddress.Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Waits for the exit and returns its code and standard error.</summary>
    public async Task<(int ExitCode, string Error)> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return (_process.ExitCode, await _error);
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^Serving \d+ image\(s\) at (\S+) ")]
    private static partial Regex ServingLine();
}
