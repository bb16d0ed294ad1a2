using Golem.VmImages.Building;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Tests.Cli;

namespace Golem.VmImages.Tests.Building;

/// <summary>Reproducibility, the output file's safety, the metadata overrides and the command line.</summary>
public sealed class BuildBehaviourTests : BuildTestBase
{
    private static byte[] Layer() => new LayerTar().Directory("bin").File("bin/tool", "#!/bin/sh\n", mode: 0x1ED).Directory("srv").File("srv/data", new string('x', 300_000)).Build();

    [Test]
    public async Task SameSource_InTwoFoldersAtDifferentTimesWithOneAndTwoProcessors_GivesTheSameHash()
    {
        var first = TestImage.WriteLayout(Path.Combine(Scratch, "one"), [Layer()]);
        var second = TestImage.WriteLayout(Path.Combine(Scratch, "two", "nested"), [Layer()]);
        foreach (var file in Directory.GetFiles(second, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        }

        var a = await GvmiBuilder.BuildAsync(first, Path.Combine(Scratch, "a.gvmi"), new GvmiBuildOptions { Processors = 1 });
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var b = await GvmiBuilder.BuildAsync(second, Path.Combine(Scratch, "two", "b.gvmi"), new GvmiBuildOptions { Processors = 2 });

        Assert.That(b.ImageHash, Is.EqualTo(a.ImageHash));
        Assert.That(ImageHasher.HashFile(Path.Combine(Scratch, "a.gvmi")), Is.EqualTo(a.ImageHash));
    }

    [Test]
    public async Task Sqfstar_IsReproducibleToo_AndDiffersOnlyByTool()
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [Layer()]);
        var a = await GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "a.gvmi"), new GvmiBuildOptions { Tool = SquashfsTool.Sqfstar, Processors = 1 });
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var b = await GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "b.gvmi"), new GvmiBuildOptions { Tool = SquashfsTool.Sqfstar, Processors = 2 });

        Assert.That(b.ImageHash, Is.EqualTo(a.ImageHash));
        Assert.That(ImageContent.Read(Path.Combine(Scratch, "a.gvmi"))["srv/data"].Content, Has.Length.EqualTo(300_000));
    }

    [TestCase(SquashfsCompression.Lzo, 3)]
    [TestCase(SquashfsCompression.Gzip, 1)]
    [TestCase(SquashfsCompression.Lz4, 5)]
    [TestCase(SquashfsCompression.Xz, 4)]
    public async Task Compression_IsTheOneAsked(SquashfsCompression compression, int id)
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [Layer()]);
        var output = Path.Combine(Scratch, "out.gvmi");

        await GvmiBuilder.BuildAsync(layout, output, new GvmiBuildOptions { Compression = compression, Tool = compression == SquashfsCompression.Lz4 ? SquashfsTool.Sqfstar : SquashfsTool.Tar2Sqfs });

        var head = new byte[22];
        using (var file = File.OpenRead(output))
        {
            file.ReadExactly(head);
        }

        Assert.That(BitConverter.ToUInt16(head, 20), Is.EqualTo(id));
        Assert.That(ImageContent.Read(output)["bin/tool"].Content, Is.EqualTo("#!/bin/sh\n"));
    }

    [Test]
    public async Task Options_OverrideTheImageConfig_AndUserIsNumeric()
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [Layer()], configJson: "{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\",\"User\":\"nobody\",\"Volumes\":{\"/z\":{}},\"Labels\":{\"b\":\"2\",\"a\":\"1\"}}");
        var output = Path.Combine(Scratch, "out.gvmi");

        await GvmiBuilder.BuildAsync(layout, output, new GvmiBuildOptions { Env = ["A=2", "B=3"], Entrypoint = ["/bin/tool"], WorkingDir = "/bin", Volumes = ["/golem/work"], User = "1000:1000" });

        var config = (await GvmiFile.ReadMetadataAsync(output)).Config;
        Assert.That(config.Env, Is.EqualTo(new[] { "PATH=/bin", "A=2", "B=3" }));
        Assert.That((config.Entrypoint, config.Cmd, config.WorkingDir, config.User), Is.EqualTo((new[] { "/bin/tool" }, new[] { "sh" }, "/bin", "1000:1000")));
        Assert.That(config.Volumes, Is.EqualTo(new[] { "/golem/work", "/z" }));
        Assert.That(config.Labels.Keys, Is.EqualTo(new[] { "a", "b" }), "map keys are sorted so the JSON is deterministic");
        Assert.Throws<ArgumentException>(() => GvmiBuilder.BuildAsync(layout, output, new GvmiBuildOptions { User = "nobody" }));
    }

    [Test]
    public void Lz4WithTar2Sqfs_IsRefusedBeforeAnythingIsWritten()
    {
        var ex = Assert.Throws<ArgumentException>(() => GvmiBuilder.BuildAsync("unused", Path.Combine(Scratch, "x.gvmi"), new GvmiBuildOptions { Compression = SquashfsCompression.Lz4 }));

        Assert.That(ex!.Message, Does.Contain("sqfstar"));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task DirectoryRootFileSystem_IsStreamedWithOwnersModesAndLinks()
    {
        var root = Directory.CreateDirectory(Path.Combine(Scratch, "root")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        await File.WriteAllTextAsync(Path.Combine(root, "bin", "tool"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "bin", "tool"), (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(root, "bin", "alias"), "tool");
        var output = Path.Combine(Scratch, "dir.gvmi");

        await GvmiBuilder.BuildAsync(root, output, new GvmiBuildOptions { SourceFormat = GvmiSourceFormat.RootFileSystem });

        var content = ImageContent.Read(output);
        Assert.That((content["bin/tool"].Content, content["bin/tool"].Mode), Is.EqualTo(("#!/bin/sh\n", 0x1ED)));
        Assert.That(content["bin/alias"].LinkName, Is.EqualTo("tool"));
        Assert.That(content["proc"].Type, Is.EqualTo(System.Formats.Tar.TarEntryType.Directory));
    }

    [Test]
    public async Task RootFileSystemFromAPipe_IsRefused_InsteadOfBuildingAnImageWithoutItsFiles()
    {
        var rootfs = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, Layer());
        var fifo = Path.Combine(Scratch, "rootfs.fifo");
        ExternalTool.Run("mkfifo", fifo);
        var writer = new System.Diagnostics.ProcessStartInfo(ExternalTool.Require("sh")) { UseShellExecute = false };
        writer.ArgumentList.Add("-c");
        writer.ArgumentList.Add("cat \"$0\" > \"$1\"");
        writer.ArgumentList.Add(rootfs);
        writer.ArgumentList.Add(fifo);
        using var cat = System.Diagnostics.Process.Start(writer)!;
        var output = Path.Combine(Scratch, "piped.gvmi");
        try
        {
            var ex = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(fifo, output, new GvmiBuildOptions { SourceFormat = GvmiSourceFormat.RootFileSystem }));

            Assert.That(ex!.Message, Does.Contain("is a pipe or device").And.Contain("write the stream to a file first"));
            Assert.That(File.Exists(output), Is.False);
        }
        finally
        {
            cat.Kill();
        }
    }

    [Test]
    public async Task ExistingOutput_IsKeptWithoutOverwrite_AndReplacedWithIt()
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [Layer()]);
        var output = Path.Combine(Scratch, "out.gvmi");
        await File.WriteAllTextAsync(output, "precious");

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(layout, output));

        Assert.That(ex!.Message, Does.Contain("already exists").And.Contain("set Overwrite").And.Not.Contain("--force"));
        Assert.That(await File.ReadAllTextAsync(output), Is.EqualTo("precious"));
        var result = await GvmiBuilder.BuildAsync(layout, output, new GvmiBuildOptions { Overwrite = true });
        Assert.That(ImageHasher.HashFile(output), Is.EqualTo(result.ImageHash));
    }

    [Test]
    public async Task Cancellation_DuringTheBuild_LeavesNoFile()
    {
        var big = new LayerTar().File("big", new string('y', 8 << 20)).File("big2", new string('z', 8 << 20)).Build();
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [big]);
        var output = Path.Combine(Scratch, "out.gvmi");
        using var cancel = new CancellationTokenSource();
        var options = new GvmiBuildOptions { Progress = new CancelWhen(p => p.Stage == GvmiBuildStage.Writing, cancel) };

        Assert.That(async () => await GvmiBuilder.BuildAsync(layout, output, options, cancel.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(File.Exists(output), Is.False);
        Assert.That(LeftoverTemporaryFiles(), Is.Empty);
    }

    [Test]
    public async Task MissingTool_NamesThePackageToInstall()
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [Layer()]);

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => GvmiBuilder.BuildAsync(layout, Path.Combine(Scratch, "o.gvmi"), new GvmiBuildOptions { ToolPath = "/nonexistent/tar2sqfs" }));

        Assert.That(ex!.Message, Does.Contain("apt-get install squashfs-tools-ng"));
    }

    [Test]
    public async Task Cli_PrintsTheHashAndTheNextCommand()
    {
        var rootfs = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, Layer());
        var output = Path.Combine(Scratch, "app.gvmi");

        var (exitCode, stdout, stderr) = await CliRunner.RunAsync(BuildCommand.Create(), "build", "--rootfs", rootfs, "-o", output, "--entrypoint", "/bin/tool", "--env", "K=V");

        Assert.That(exitCode, Is.Zero, stderr);
        var hash = ImageHasher.HashFile(output);
        Assert.That(stdout, Does.StartWith(hash + "  app.gvmi (").And.Contain("gvmi package app.gvmi --url "));
        Assert.That((await GvmiFile.ReadMetadataAsync(output)).Config.Env, Is.EqualTo(new[] { "K=V" }));
    }

    [TestCase("zstd", "cannot mount zstd")]
    [TestCase("lzma", "cannot mount lzma")]
    [TestCase("brotli", "expected lzo, gzip, lz4 or xz")]
    public async Task Cli_RefusesCompressionsTheProviderCannotMount(string compression, string reason)
    {
        var rootfs = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, Layer());

        var (exitCode, _, stderr) = await CliRunner.RunAsync(BuildCommand.Create(), "build", "--rootfs", rootfs, "-o", Path.Combine(Scratch, "x.gvmi"), "--compression", compression);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(reason));
        Assert.That(File.Exists(Path.Combine(Scratch, "x.gvmi")), Is.False);
    }

    [Test]
    public async Task Cli_UnrecognisedSource_SaysToUseRootfs()
    {
        var notAnImage = Path.Combine(Scratch, "rootfs.tar");
        await File.WriteAllBytesAsync(notAnImage, Layer());

        var (exitCode, _, stderr) = await CliRunner.RunAsync(BuildCommand.Create(), "build", notAnImage, "-o", Path.Combine(Scratch, "x.gvmi"));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("is not a container image").And.Contain("--rootfs"));
    }

    private sealed class CancelWhen(Func<GvmiBuildProgress, bool> condition, CancellationTokenSource cancel) : IProgress<GvmiBuildProgress>
    {
        public void Report(GvmiBuildProgress value)
        {
            if (condition(value))
            {
                cancel.Cancel();
            }
        }
    }
}
