using System.Text;
using Golem.VmImages.Building;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Tests.Building;

/// <summary>
/// Real image formats made offline by Debian's umoci and skopeo: an OCI layout from test tars, then the same image as
/// oci-archive, docker-archive and zstd-recompressed layers. All build to the same bytes.
/// </summary>
public sealed class ImageFormatTests : BuildTestBase
{
    private static readonly string[] ExpectedListing =
    [
        "drwxr-xr-x 0/0 /",
        "-rw-r--r-- 0/0 /.dockerenv",
        "drwxr-xr-x 0/0 /app",
        "-rwxr-xr-x 1000/1000 /app/run.sh",
        "drwxr-xr-x 0/0 /dev",
        "-rw-r--r-- 0/0 /dev/console",
        "drwxr-xr-x 0/0 /dev/pts",
        "drwxr-xr-x 0/0 /dev/shm",
        "drwxr-xr-x 0/0 /etc",
        "-rw-r--r-- 0/0 /etc/hostname",
        "-rw-r--r-- 0/0 /etc/hosts",
        "lrwxrwxrwx 0/0 /etc/mtab -> /proc/mounts",
        "-rw-r--r-- 0/0 /etc/os-release",
        "-rw-r--r-- 0/0 /etc/resolv.conf",
        "drwxr-xr-x 0/0 /proc",
        "drwxr-xr-x 0/0 /sys",
        "drwxrwxrwt 0/0 /tmp",
    ];

    [Test]
    public async Task FourFormsOfOneImage_BuildToTheSameHash_WithTheExpectedContentAndConfig()
    {
        var layout = MakeUmociLayout("v2");
        ExternalTool.Run("skopeo", "copy", "oci:" + layout + ":v2", "oci-archive:" + Path.Combine(Scratch, "image.oci.tar"));
        ExternalTool.Run("skopeo", "copy", "oci:" + layout + ":v2", "docker-archive:" + Path.Combine(Scratch, "image.docker.tar") + ":example/app:v2");
        ExternalTool.Run("skopeo", "copy", "--dest-compress-format", "zstd", "oci:" + layout + ":v2", "oci:" + Path.Combine(Scratch, "zstd") + ":v2");
        var zstdManifest = Directory.GetFiles(Path.Combine(Scratch, "zstd", "blobs", "sha256")).Where(f => new FileInfo(f).Length < 4096).Select(File.ReadAllText).First(t => t.Contains("\"layers\":", StringComparison.Ordinal));
        Assert.That(zstdManifest, Does.Contain("application/vnd.oci.image.layer.v1.tar+zstd"), "skopeo recompressed the layers with zstd");

        var hashes = new List<ImageHash>();
        foreach (var source in (string[])[layout, "image.oci.tar", "image.docker.tar", "zstd"])
        {
            var output = Path.Combine(Scratch, Path.GetFileName(source) + ".gvmi");
            var result = await GvmiBuilder.BuildAsync(Path.Combine(Scratch, source), output);
            hashes.Add(result.ImageHash);
            Assert.That(Listing(output), Is.EqualTo(ExpectedListing), source);
        }

        Assert.That(hashes.Distinct(), Has.Exactly(1).Items, "OCI layout, oci-archive, docker-archive and zstd layers give one hash");
        var metadata = await GvmiFile.ReadMetadataAsync(Path.Combine(Scratch, "image.docker.tar.gvmi"));
        Assert.That(metadata.Config.Entrypoint, Is.EqualTo(new[] { "/app/run.sh" }));
        Assert.That(metadata.Config.Env, Does.Contain("GREETING=hello world"));
        Assert.That(metadata.Config.WorkingDir, Is.EqualTo("/app"));
        Assert.That(metadata.Config.Volumes, Is.EqualTo(new[] { "/data" }));
        Assert.That(metadata.Config.User, Is.Null, "User is written only when asked, as gvmkit-build never writes it");
        Assert.That(metadata.Config.Image, Has.Length.EqualTo(64).And.Not.StartWith("sha256:"));
    }

    [Test]
    public async Task SeveralImages_WithoutRef_FailListingThem_AndRefChoosesOne()
    {
        var layout = MakeUmociLayout("v1");
        ExternalTool.Run("umoci", "tag", "--image", layout + ":v1", "v2");

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "out.gvmi")));
        Assert.That(ex!.Message, Does.Contain("several images").And.Contain("v1 [linux/amd64]").And.Contain("v2 [linux/amd64]"));

        var missing = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "out.gvmi"), new GvmiBuildOptions { Reference = "v3" }));
        Assert.That(missing!.Message, Does.Contain("--ref v3").And.Contain("v1 [linux/amd64]"));

        var built = await GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "out.gvmi"), new GvmiBuildOptions { Reference = "v2" });
        Assert.That(built.LayerCount, Is.EqualTo(2));
        Assert.That(File.Exists(Path.Combine(Scratch, "out.gvmi")));
    }

    [Test]
    public async Task CorruptBlob_FailsWithTheDigests_AndLeavesNothing()
    {
        var layout = MakeUmociLayout("v2");
        var layerBlob = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(layerBlob);
        bytes[^100] ^= 0xFF;
        File.WriteAllBytes(layerBlob, bytes);
        var output = Path.Combine(Scratch, "out.gvmi");

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(layout, output));

        Assert.That(ex!.Message, Does.Contain("hashes to sha256:").And.Contain("expected sha256:" + Path.GetFileName(layerBlob)));
        Assert.That(File.Exists(output), Is.False);
        Assert.That(LeftoverTemporaryFiles(), Is.Empty);
    }

    private string MakeUmociLayout(string tag)
    {
        var lower = new LayerTar()
            .Directory("etc").File("etc/os-release", "ID=test\n").File("etc/resolv.conf", "nameserver 9.9.9.9\n")
            .Directory("tmp", mode: 0x3FF)
            .Directory("app").File("app/old", "old")
            .Build();
        var upper = new LayerTar()
            .File("app/.wh.old", string.Empty)
            .File("app/run.sh", "#!/bin/sh\necho hi\n", mode: 0x1ED, uid: 1000, gid: 1000)
            .Build();
        File.WriteAllBytes(Path.Combine(Scratch, "lower.tar"), lower);
        File.WriteAllBytes(Path.Combine(Scratch, "upper.tar"), upper);
        var layout = Path.Combine(Scratch, "layout");
        ExternalTool.Run("umoci", "init", "--layout", layout);
        ExternalTool.Run("umoci", "new", "--image", layout + ":" + tag);
        ExternalTool.Run("umoci", "raw", "add-layer", "--image", layout + ":" + tag, Path.Combine(Scratch, "lower.tar"));
        ExternalTool.Run("umoci", "raw", "add-layer", "--image", layout + ":" + tag, Path.Combine(Scratch, "upper.tar"));
        ExternalTool.Run("umoci", "config", "--image", layout + ":" + tag, "--config.entrypoint", "/app/run.sh", "--config.env", "GREETING=hello world", "--config.workingdir", "/app", "--config.volume", "/data");
        return layout;
    }

    /// <summary><c>unsquashfs -lln</c> (numeric owners) reduced to mode, owner, path and link target (sizes and times vary with the tool version).</summary>
    private static string[] Listing(string image) =>
    [
        .. Encoding.UTF8.GetString(ExternalTool.Run("unsquashfs", "-lln", "-d", string.Empty, image))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Length > 10 && "-dlcbps".Contains(line[0], StringComparison.Ordinal))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => string.Join(' ', f.Length > 5 ? f[..2].Concat(f[5..]) : [f[0], f[1], "/"])),
    ];
}
