using System.Diagnostics;
using Golem.VmImages.Tests.Repository;

namespace Golem.VmImages.Tests.Building;

/// <summary>
/// The boot tests' guest kernel: Debian's cloud kernel (the package linux-image-cloud-amd64 depends on) and its
/// modules, unpacked from the .deb into the cache folder <c>artifacts/boot-kernel</c> (never installed as this
/// machine's kernel). <c>.ci/run</c> fills the same folder the same way; on a fresh clone the first boot test does it,
/// once per run. Where the package cannot be fetched (no apt, no network) the boot tests are ignored with the reason.
/// </summary>
internal static class BootKernel
{
    private const string Metapackage = "linux-image-cloud-amd64";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _unavailable;

    /// <summary>The cache folder the kernel is kept in, beside the build output of the repository.</summary>
    public static string Folder { get; } = Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "artifacts", "boot-kernel");

    /// <summary>The folder holding <c>vmlinuz</c> and <c>modules/</c>, fetched on first use; ignores the test where that is impossible.</summary>
    public static async Task<string> ObtainAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(Folder, "vmlinuz")) && _unavailable is null)
            {
                _unavailable = await FetchAsync();
            }
        }
        finally
        {
            Gate.Release();
        }

        if (!File.Exists(Path.Combine(Folder, "vmlinuz")))
        {
            Assert.Ignore($"The boot tests' kernel could not be fetched into {Folder}: {_unavailable}");
        }

        return Folder;
    }

    /// <summary>Downloads and unpacks the kernel package into <see cref="Folder"/> (through a temporary folder, renamed at the end); the reason on failure.</summary>
    private static async Task<string?> FetchAsync()
    {
        var work = Directory.CreateTempSubdirectory("gvmi-boot-kernel-").FullName;
        try
        {
            var (depends, dependsCode) = await RunAsync(work, "apt-cache", "depends", Metapackage);
            var package = depends.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal))?["Depends: ".Length..];
            if (dependsCode != 0 || package is null)
            {
                return $"apt-cache does not know {Metapackage} (not a Debian or Ubuntu machine, or no package lists: run apt-get update).";
            }

            var (download, downloadCode) = await RunAsync(work, "apt-get", "download", package);
            var deb = Directory.GetFiles(work, "*.deb").FirstOrDefault();
            if (downloadCode != 0 || deb is null)
            {
                return $"apt-get download {package} failed: {download.Trim()}";
            }

            var root = Path.Combine(work, "root");
            var (unpack, unpackCode) = await RunAsync(work, "dpkg-deb", "-x", deb, root);
            var vmlinuz = Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").FirstOrDefault();
            var modules = Directory.Exists(Path.Combine(root, "lib", "modules")) ? Directory.GetDirectories(Path.Combine(root, "lib", "modules")).FirstOrDefault() : null;
            if (unpackCode != 0 || vmlinuz is null || modules is null)
            {
                return $"dpkg-deb could not unpack {Path.GetFileName(deb)}: {unpack.Trim()}";
            }

            var staged = Path.Combine(work, "boot-kernel");
            Directory.CreateDirectory(staged);
            File.Copy(vmlinuz, Path.Combine(staged, "vmlinuz"));
            Directory.Move(Path.Combine(modules, "kernel"), Path.Combine(staged, "modules"));
            Directory.CreateDirectory(Path.GetDirectoryName(Folder)!);
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }

            Directory.Move(staged, Folder);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return ex.Message;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(string Output, int ExitCode)> RunAsync(string directory, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (await output + await error, process.ExitCode);
    }
}
