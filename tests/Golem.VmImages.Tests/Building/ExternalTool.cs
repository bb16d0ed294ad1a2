using System.Diagnostics;

namespace Golem.VmImages.Tests.Building;

/// <summary>Runs the Debian tools the build tests use; a missing tool fails the test (.ci/run installs them).</summary>
public static class ExternalTool
{
    public static string Require(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"'{name}' is not installed; .ci/run installs the Debian packages the tests need (squashfs-tools, squashfs-tools-ng, umoci, skopeo, docker-registry, apache2-utils, qemu-system-x86, busybox-static).");
        return name;
    }

    public static byte[] Run(string name, params string[] arguments) => RunIn(null, name, arguments);

    public static byte[] RunIn(string? workingDirectory, string name, params string[] arguments)
    {
        var start = new ProcessStartInfo(Require(name)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, () => $"{name} {string.Join(' ', arguments)} failed: {error.Result}");
        return output.ToArray();
    }
}
