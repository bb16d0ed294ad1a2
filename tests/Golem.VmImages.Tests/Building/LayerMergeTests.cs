using System.Formats.Tar;
using Golem.VmImages.Building;

namespace Golem.VmImages.Tests.Building;

/// <summary>The OCI layer rules, case by case, on synthetic layers built into real squashfs images and read back with sqfs2tar.</summary>
public sealed class LayerMergeTests : BuildTestBase
{
    [Test]
    public async Task Whiteout_RemovesLowerLayerPathButNotSameLayerEntry()
    {
        var lower = new LayerTar().Directory("etc").File("etc/gone", "1").File("etc/kept", "2").Directory("d").File("d/inner", "3").Build();
        var upper = new LayerTar().File("etc/.wh.gone", string.Empty).File("etc/gone2", "new").File("etc/.wh.gone2", string.Empty).File(".wh.d", string.Empty).Build();

        var (_, content) = await BuildLayersAsync([lower, upper]);

        Assert.That(content.Items.Keys, Does.Not.Contain("etc/gone").And.Not.Contain("d").And.Not.Contain("d/inner"));
        Assert.That(content["etc/kept"].Content, Is.EqualTo("2"));
        Assert.That(content["etc/gone2"].Content, Is.EqualTo("new"), "a whiteout hides lower layers only, never an entry of its own layer");
        Assert.That(content.Items.Keys.Where(k => k.Contains(".wh.", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task OpaqueWhiteout_HidesLowerChildrenWhateverItsPositionInTheLayer()
    {
        var lower = new LayerTar().Directory("a", mode: 0x1C0).File("a/old", "old").Directory("a/sub").File("a/sub/x", "x").Build();
        var upper = new LayerTar().File("a/new", "new").File("a/.wh..wh..opq", string.Empty).Build();

        var (_, content) = await BuildLayersAsync([lower, upper]);

        Assert.That(content.Items.Keys.Where(k => k.StartsWith("a/", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "a/new" }));
        Assert.That(content["a"].Mode, Is.EqualTo(0x1C0), "the directory itself keeps its attributes");
    }

    [Test]
    public async Task DirectoryOverDirectory_TakesNewAttributesAndKeepsChildren()
    {
        var lower = new LayerTar().Directory("srv", mode: 0x1ED, uid: 1).File("srv/f", "f").Build();
        var upper = new LayerTar().Directory("srv", mode: 0x1C0, uid: 7, gid: 8).Build();

        var (_, content) = await BuildLayersAsync([lower, upper]);

        Assert.That((content["srv"].Mode, content["srv"].Uid, content["srv"].Gid), Is.EqualTo((0x1C0, 7, 8)));
        Assert.That(content["srv/f"].Content, Is.EqualTo("f"));
    }

    [Test]
    public async Task FileReplacesDirectory_AndDirectoryReplacesFile()
    {
        var lower = new LayerTar().Directory("x").File("x/child", "c").File("y", "file").Build();
        var upper = new LayerTar().File("x", "now a file").Directory("y").File("y/z", "z").Build();

        var (_, content) = await BuildLayersAsync([lower, upper]);

        Assert.That(content["x"].Type, Is.EqualTo(TarEntryType.RegularFile));
        Assert.That(content["x"].Content, Is.EqualTo("now a file"));
        Assert.That(content.Items.Keys, Does.Not.Contain("x/child"));
        Assert.That(content["y"].Type, Is.EqualTo(TarEntryType.Directory));
        Assert.That(content["y/z"].Content, Is.EqualTo("z"));
    }

    [Test]
    public async Task HardLinks_WithinAndAcrossLayers_AndMaterializedWhenTheTargetIsWhitedOut()
    {
        var lower = new LayerTar()
            .File("data", "shared")
            .Link(TarEntryType.HardLink, "same-layer", "data")
            .File("doomed", "payload")
            .Link(TarEntryType.HardLink, "keeper1", "doomed")
            .Link(TarEntryType.HardLink, "keeper2", "./doomed")
            .Build();
        var upper = new LayerTar().Link(TarEntryType.HardLink, "cross-layer", "/data").File(".wh.doomed", string.Empty).Build();

        var (_, content) = await BuildLayersAsync([lower, upper]);

        var shared = new[] { "data", "same-layer", "cross-layer" }.Select(p => content[p]).ToList();
        Assert.That(shared.Select(e => e.Content), Is.All.EqualTo("shared"));
        Assert.That(shared.Count(e => e.Type == TarEntryType.HardLink), Is.EqualTo(2), "the three names share one inode, within and across layers");

        // The file the links were made to is whited out later; the links keep its data and still share an inode.
        Assert.That(content.Items.Keys, Does.Not.Contain("doomed"));
        var kept = new[] { "keeper1", "keeper2" }.Select(p => content[p]).ToList();
        Assert.That(kept.Select(e => e.Content), Is.All.EqualTo("payload"));
        Assert.That(kept.Count(e => e.Type == TarEntryType.HardLink), Is.EqualTo(1));
    }

    [Test]
    public async Task HardLink_ToAPathNoEarlierEntryProvides_FailsNamingLayerAndPath()
    {
        var layer = new LayerTar().Link(TarEntryType.HardLink, "link", "missing").Build();

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => BuildLayersAsync([layer]));

        Assert.That(ex!.Message, Does.Contain("layer 1 of 1").And.Contain("'link'").And.Contain("'missing'"));
        Assert.That(ex.LayerIndex, Is.Zero);
        Assert.That(LeftoverTemporaryFiles(), Is.Empty);
    }

    [Test]
    public async Task Attributes_LongNamesLargeIdsBinaryXattrsSymlinksDevicesAndFifos_AreKeptExactly()
    {
        var longName = "deep/" + new string('n', 120) + "/" + new string('f', 110);
        var capability = new byte[] { 0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        var layer = new LayerTar()
            .Directory("deep").Directory("deep/" + new string('n', 120))
            .File(longName, "long", mode: 0x9ED, uid: 3_000_000, gid: 4_000_000)
            .Link(TarEntryType.SymbolicLink, "link-to-long", "/" + longName)
            .Device(TarEntryType.CharacterDevice, "dev-null", 1, 3)
            .Device(TarEntryType.BlockDevice, "block", 8, 1)
            .Device(TarEntryType.Fifo, "pipe", 0, 0)
            .RawPaxFile("capable", "bin", ("SCHILY.xattr.security.capability", capability), ("SCHILY.xattr.user.note", "v\u00e9"u8.ToArray()))
            .Build();

        var (_, content) = await BuildLayersAsync([layer]);

        var file = content[longName];
        Assert.That((file.Content, file.Mode, file.Uid, file.Gid), Is.EqualTo(("long", 0x9ED, 3_000_000, 4_000_000)), "setuid/setgid kept, ids beyond 2^21");
        Assert.That(content["link-to-long"].LinkName, Is.EqualTo("/" + longName));
        Assert.That((content["dev-null"].Type, content["dev-null"].DeviceMajor, content["dev-null"].DeviceMinor), Is.EqualTo((TarEntryType.CharacterDevice, 1, 3)));
        Assert.That((content["block"].Type, content["block"].DeviceMajor, content["block"].DeviceMinor), Is.EqualTo((TarEntryType.BlockDevice, 8, 1)));
        Assert.That(content["pipe"].Type, Is.EqualTo(TarEntryType.Fifo));
        Assert.That(IndexOf(content.RawTar, [.. "security.capability="u8, .. capability]), Is.GreaterThan(0), "the binary capability (byte 0x80) comes back byte for byte");
        Assert.That(IndexOf(content.RawTar, [.. "user.note="u8, .. "v\u00e9"u8]), Is.GreaterThan(0));
    }

    [Test]
    public async Task DotDotPath_FailsNamingLayerAndPath()
    {
        var layer = new LayerTar().File("ok", "1").File("a/../../escape", "x").Build();

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => BuildLayersAsync([layer]));

        Assert.That(ex!.Message, Does.Contain("layer 1 of 1").And.Contain("a/../../escape").And.Contain(".."));
    }

    [Test]
    public async Task SparseEntry_IsRefusedNamingTheLayer()
    {
        var layer = new LayerTar().File("before", "1").RawEntry((byte)'S', "holey", "data").Build();

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => BuildLayersAsync([layer]));

        Assert.That(ex!.Message, Does.Contain("layer 1 of 1").And.Contain("holey").And.Contain("sparse"));
    }

    [Test]
    public async Task EntryUnderANonDirectory_FailsAsParentNotDirectory()
    {
        var lower = new LayerTar().File("plain", "file").Build();
        var upper = new LayerTar().File("plain/child", "x").Build();

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => BuildLayersAsync([lower, upper]));

        Assert.That(ex!.Message, Does.Contain("layer 2 of 2").And.Contain("plain/child").And.Contain("not a directory"));
        Assert.That(ex.LayerIndex, Is.EqualTo(1));
    }

    [Test]
    public async Task BareWhiteout_IsRefused()
    {
        var layer = new LayerTar().File("dir/.wh.", string.Empty).Build();

        var ex = await Assert.ThrowsAsync<ImageBuildException>(() => BuildLayersAsync([layer]));

        Assert.That(ex!.Message, Does.Contain("not a valid whiteout"));
    }

    [Test]
    public async Task RuntimeFiles_AreAddedReplacingDanglingLinks_AndCanBeTurnedOff()
    {
        var layer = new LayerTar()
            .Directory("etc", mode: 0x1C0)
            .Link(TarEntryType.SymbolicLink, "etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf")
            .File("etc/hosts", "10.0.0.1 db\n")
            .Directory("./", mode: 0x1FF)
            .Build();

        var (_, content) = await BuildLayersAsync([layer]);

        foreach (var directory in (string[])["proc", "sys", "dev", "dev/pts", "dev/shm", "etc"])
        {
            Assert.That(content[directory].Type, Is.EqualTo(TarEntryType.Directory), directory);
        }

        foreach (var file in (string[])["etc/resolv.conf", "etc/hostname", "dev/console", ".dockerenv"])
        {
            Assert.That((content[file].Type, content[file].Content), Is.EqualTo((TarEntryType.RegularFile, string.Empty)), file);
        }

        Assert.That(content["etc/hosts"].Content, Is.EqualTo("10.0.0.1 db\n"), "a regular /etc/hosts keeps its content");
        Assert.That(content["etc/mtab"].LinkName, Is.EqualTo("/proc/mounts"));
        Assert.That(content["etc"].Mode, Is.EqualTo(0x1C0), "an existing directory is left as it is");
        Assert.That(content[string.Empty].Mode, Is.EqualTo(0x1ED), "the root is 0755 whatever the layer said");

        var (_, bare) = await BuildLayersAsync([layer], new GvmiBuildOptions { AddRuntimeFiles = false });

        Assert.That(bare.Items.Keys, Does.Not.Contain("proc").And.Not.Contain("sys").And.Not.Contain(".dockerenv"));
        Assert.That(bare["etc/resolv.conf"].Type, Is.EqualTo(TarEntryType.SymbolicLink));
        Assert.That(bare[string.Empty].Mode, Is.EqualTo(0x1FF), "without the runtime files the layer's root entry is kept exactly");
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
