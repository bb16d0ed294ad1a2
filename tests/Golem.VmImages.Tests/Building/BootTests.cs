using System.Diagnostics;
using System.Text;
using Golem.VmImages.Building;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Tests.Building;

/// <summary>
/// Boots a built .gvmi as the root of a real Linux kernel under QEMU (pure emulation, no KVM): an initramfs whose
/// init loads virtio, squashfs and overlay, mounts the image read-only from a virtio disk as ya-runtime-vm does,
/// adds a writable overlay, mounts /proc and /sys inside it (which fails if the image lacks them), and runs the
/// image's entrypoint with its Env in its WorkingDir.
/// </summary>
public sealed class BootTests : BuildTestBase
{
    private static readonly string[] Modules =
    [
        "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
        "drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
        "fs/squashfs/squashfs.ko", "fs/overlayfs/overlay.ko",
    ];

    /// <summary>Without QEMU no image can be booted: each boot test says so as ignored rather than failed.</summary>
    [SetUp]
    public void RequireQemu()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, "qemu-system-x86_64"))))
        {
            Assert.Ignore("qemu-system-x86_64 is not installed, so no image can be booted here; .ci/run installs Debian's qemu-system-x86.");
        }
    }

    [Test]
    public async Task BuiltImage_BootsUnderQemu_AndRunsItsEntrypointWithEnvAndWorkingDir()
    {
        var busybox = await File.ReadAllBytesAsync(ExternalTool.Require("busybox"));
        var rootfs = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, new LayerTar().Directory("bin").FileBytes("bin/busybox", busybox).Link(System.Formats.Tar.TarEntryType.SymbolicLink, "bin/sh", "busybox").Directory("work").Build());
        var image = Path.Combine(Scratch, "boot.gvmi");
        await GvmiBuilder.BuildAsync(rootfs, image, new GvmiBuildOptions
        {
            SourceFormat = GvmiSourceFormat.RootFileSystem,
            Entrypoint = ["/bin/sh", "-c"],
            Cmd = ["echo BOOT-OK greeting=$GREETING cwd=$(pwd) procs=$(ls /proc | grep -c .) > /dev/console; touch /etc/hosts /written && echo WRITE-OK > /dev/console"],
            Env = ["GREETING=hello-golem", "PATH=/bin"],
            WorkingDir = "/work",
        });

        var output = await BootAsync(image, await GvmiFile.ReadMetadataAsync(image));

        Assert.That(output, Does.Contain("BOOT-OK greeting=hello-golem cwd=/work procs="));
        Assert.That(output, Does.Contain("WRITE-OK"), "the overlay makes the read-only image writable");
    }

    [Test]
    public async Task ImageWithoutRuntimeFiles_DoesNotBoot()
    {
        var busybox = await File.ReadAllBytesAsync(ExternalTool.Require("busybox"));
        var rootfs = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, new LayerTar().Directory("bin").FileBytes("bin/busybox", busybox).Link(System.Formats.Tar.TarEntryType.SymbolicLink, "bin/sh", "busybox").Build());
        var image = Path.Combine(Scratch, "bare.gvmi");
        await GvmiBuilder.BuildAsync(rootfs, image, new GvmiBuildOptions { SourceFormat = GvmiSourceFormat.RootFileSystem, Entrypoint = ["/bin/sh", "-c", "echo BOOT-OK > /dev/console"], AddRuntimeFiles = false });

        var output = await BootAsync(image, await GvmiFile.ReadMetadataAsync(image));

        Assert.That(output, Does.Contain("INIT-DIE mount proc"), "like ya-runtime-vm's init, the harness stops when /proc cannot be mounted");
        Assert.That(output, Does.Not.Contain("BOOT-OK"));
    }

    [Test]
    public async Task CommittedSample_Boots_ProcSysDevAndEtcAreInPlace()
    {
        var sample = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");

        var output = await BootAsync(sample, await GvmiFile.ReadMetadataAsync(sample));

        Assert.That(output, Does.Contain("ENTRYPOINT-EXIT="), "init mounted the image, /proc, /sys and /dev in it, and wrote /etc/hosts and /etc/resolv.conf");
        Assert.That(output, Does.Not.Contain("INIT-DIE"));
    }

    private async Task<string> BootAsync(string image, GvmiMetadata metadata)
    {
        var kernel = await BootKernel.ObtainAsync();

        var initramfs = new NewcArchive().Directory("bin").File("bin/busybox", await File.ReadAllBytesAsync(ExternalTool.Require("busybox"))).Directory("modules");
        foreach (var module in Modules)
        {
            initramfs.File("modules/" + Path.GetFileName(module), await File.ReadAllBytesAsync(Path.Combine(kernel, "modules", module)), 0x81A4);
        }

        initramfs.File("init", Encoding.ASCII.GetBytes(InitScript(metadata.Config)));
        var initrd = Path.Combine(Scratch, "initrd.cpio");
        await File.WriteAllBytesAsync(initrd, initramfs.Build());

        var start = new ProcessStartInfo(ExternalTool.Require("qemu-system-x86_64")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-accel", "tcg", "-m", "256", "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
            "-kernel", Path.Combine(kernel, "vmlinuz"), "-initrd", initrd, "-append", "console=ttyS0 panic=-1 loglevel=3",
            "-drive", "file=" + image + ",format=raw,if=virtio,readonly=on"])
        {
            start.ArgumentList.Add(argument);
        }

        using var qemu = Process.Start(start)!;
        var stdout = qemu.StandardOutput.ReadToEndAsync();
        var stderr = qemu.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await qemu.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            qemu.Kill(entireProcessTree: true);
            Assert.Fail("QEMU did not power off within 4 minutes: " + await stdout);
        }

        return await stdout + await stderr;
    }

    private static string InitScript(GvmiContainerConfig config)
    {
        static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var command = string.Join(' ', (config.Entrypoint ?? []).Concat(config.Cmd ?? []).Select(Quote));
        var env = string.Join(' ', config.Env.Select(Quote));
        var script = new StringBuilder();
        script.Append("#!/bin/busybox sh\n");
        script.Append("B=/bin/busybox\n");
        script.Append("die() { echo \"INIT-DIE $*\"; $B poweroff -f; }\n");
        script.Append("$B mkdir -p /proc /sys /dev /mnt/image /mnt/rw /mnt/root\n");
        script.Append("$B mount -t proc proc /proc; $B mount -t sysfs sysfs /sys; $B mount -t devtmpfs devtmpfs /dev\n");
        script.Append("for m in ").Append(string.Join(' ', Modules.Select(Path.GetFileName))).Append("; do $B insmod /modules/$m || die insmod $m; done\n");
        script.Append("for i in $($B seq 1 100); do [ -b /dev/vda ] && break; $B sleep 0.1; done\n");
        script.Append("$B mount -t squashfs -o ro,nodev /dev/vda /mnt/image || die mount squashfs\n");
        script.Append("$B mount -t tmpfs tmpfs /mnt/rw && $B mkdir /mnt/rw/upper /mnt/rw/work\n");
        script.Append("$B mount -t overlay overlay -o lowerdir=/mnt/image,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /mnt/root || die mount overlay\n");
        script.Append("$B mount -t proc proc /mnt/root/proc || die mount proc\n");
        script.Append("$B mount -t sysfs sysfs /mnt/root/sys || die mount sysfs\n");
        script.Append("$B mount -t devtmpfs devtmpfs /mnt/root/dev || die mount dev\n");
        script.Append("echo 'nameserver 1.1.1.1' > /mnt/root/etc/resolv.conf || die write resolv.conf\n");
        script.Append("echo '127.0.0.1 localhost' >> /mnt/root/etc/hosts || die write hosts\n");
        script.Append("$B env -i ").Append(env).Append(" $B chroot /mnt/root /bin/sh -c 'cd \"$0\" && exec \"$@\"' ")
            .Append(Quote(string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir)).Append(' ').Append(command).Append('\n');
        script.Append("echo \"ENTRYPOINT-EXIT=$?\"\n");
        script.Append("$B poweroff -f\n");
        return script.ToString();
    }
}
