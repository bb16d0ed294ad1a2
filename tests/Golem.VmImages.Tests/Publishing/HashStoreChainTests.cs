using System.Diagnostics;
using Golem.VmImages.Building;
using Golem.VmImages.Hashing;
using Golem.VmImages.Publishing;
using Golem.VmImages.Tests.Fetching;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>
/// <c>gvmi build</c> and <c>gvmi hash</c> remember the hash of what they hash in the file-identity hash store, so a
/// publish after them does no hash pass; a store that cannot be written fails none of them. The CLI runs as a child
/// process with its own <c>XDG_DATA_HOME</c>, so its own default store.
/// </summary>
[NonParallelizable]
[CancelAfter(180_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HashStoreChainTests
{
    private const string Unwritable = "/proc/gvmi-no-store-here";

    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("gvmi-hash-chain-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task BuildAsync_WithAHashStore_RemembersTheHashOfTheOutputUnderItsFinalName()
    {
        var store = new FileHashStore(Path.Combine(_root, "hashes"));
        var output = Path.Combine(_root, "app.gvmi");

        var result = await GvmiBuilder.BuildAsync(RootFileSystem(), output, new GvmiBuildOptions { SourceFormat = GvmiSourceFormat.RootFileSystem, HashStore = store });

        Assert.That(store.TryGet(output, out var remembered), Is.True);
        Assert.That(remembered, Is.EqualTo(result.ImageHash).And.EqualTo(await ImageHasher.HashFileAsync(output)));
    }

    [Test]
    public async Task BuildAsync_UnwritableHashStore_StillBuilds()
    {
        var store = new FileHashStore(Path.Combine(Unwritable, "hashes"));
        var output = Path.Combine(_root, "app.gvmi");

        var result = await GvmiBuilder.BuildAsync(RootFileSystem(), output, new GvmiBuildOptions { SourceFormat = GvmiSourceFormat.RootFileSystem, HashStore = store });

        Assert.That(result.ImageHash, Is.EqualTo(await ImageHasher.HashFileAsync(output)));
        Assert.That(store.TryGet(output, out _), Is.False);
    }

    [TestCase("build")]
    [TestCase("hash")]
    public async Task Cli_PublishAfterBuildOrHash_TakesTheRememberedHash_WithoutAHashPass(string first)
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.Nginx());
        var home = Path.Combine(_root, "home");
        var image = Path.Combine(_root, "app.gvmi");
        if (first == "build")
        {
            Require(await RunGvmiAsync(home, "build", RootFileSystem(), "--rootfs", "-o", image));
        }
        else
        {
            await PublishTestImages.WriteAsync(_root, "app.gvmi", 4 << 20, seed: 91);
            Require(await RunGvmiAsync(home, "hash", image));
        }

        var hash = await ImageHasher.HashFileAsync(image);
        var store = new FileHashStore(Path.Combine(home, "golem-vmimages", "hashes"));
        Assert.That(store.TryGet(image, out var remembered) && remembered == hash, Is.True, $"gvmi {first} remembered the hash");
        var record = new FileInfo(Directory.GetFiles(store.Directory, "*.hash").Single());
        var recorded = (FileRecord.Identify(record.FullName).Inode, record.LastWriteTimeUtc);

        var published = await RunGvmiAsync(home, "publish", image, "--to", nginx.Url("images/").AbsoluteUri);

        Require(published);
        Assert.That(published.Output, Does.Contain(hash.ToString()));
        record.Refresh();
        Assert.That((FileRecord.Identify(record.FullName).Inode, record.LastWriteTimeUtc), Is.EqualTo(recorded), "publish hashed nothing, so it recorded nothing");
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EqualTo(new[] { hash + ".gvmi" }));
    }

    [Test]
    public async Task Cli_UnwritableHashStore_FailsNeitherBuildNorHashNorPublish()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.Nginx());
        var image = Path.Combine(_root, "app.gvmi");

        var built = await RunGvmiAsync(Unwritable, "build", RootFileSystem(), "--rootfs", "-o", image);
        var hashed = await RunGvmiAsync(Unwritable, "hash", image);
        var published = await RunGvmiAsync(Unwritable, "publish", image, "--to", nginx.Url("images/").AbsoluteUri);

        var hash = await ImageHasher.HashFileAsync(image);
        Require(built);
        Require(hashed);
        Assert.That(hashed.Output, Does.StartWith(hash.ToString()));
        Require(published);
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EqualTo(new[] { hash + ".gvmi" }));
    }

    [Test]
    public async Task Hash_WhereOpenSslIsMissing_HashesAndRemembersTheHash()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Ignore("hiding libssl from one process needs root and unshare(1) for a private mount namespace");
        }

        var file = Path.Combine(_root, "data.bin");
        File.WriteAllBytes(file, new byte[] { 1, 2, 3 });
        var expected = ImageHasher.HashData(new byte[] { 1, 2, 3 }).ToString();

        // libssl is hidden behind /dev/null in a mount namespace of the child's own, as on a system without OpenSSL.
        const string HideLibsslAndHash = "for f in /usr/lib/*/libssl.so* /usr/lib64/libssl.so*; do [ -e \"$f\" ] && mount --bind /dev/null \"$f\"; done; exec dotnet \"$0\" hash \"$1\"";
        var run = await RunAsync("/usr/bin/unshare", _root, ["-m", "sh", "-c", HideLibsslAndHash, ProcessAndNginxTests.Gvmi, file]);

        Require(run);
        Assert.That(run.Output, Does.StartWith(expected));
        Assert.That(new FileHashStore(Path.Combine(_root, "golem-vmimages", "hashes")).TryGet(file, out var remembered) ? remembered.ToString() : null, Is.EqualTo(expected));
    }

    private static void Require((int ExitCode, string Output, string Error) run) =>
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);

    /// <summary>A small root filesystem directory to build from.</summary>
    private string RootFileSystem()
    {
        var rootfs = Path.Combine(_root, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        var payload = new byte[1 << 20];
        new Random(92).NextBytes(payload);
        File.WriteAllBytes(Path.Combine(rootfs, "bin", "app"), payload);
        return rootfs;
    }

    /// <summary>Runs the gvmi CLI with <paramref name="dataHome"/> as <c>XDG_DATA_HOME</c>, so its default hash store is under it.</summary>
    private static Task<(int ExitCode, string Output, string Error)> RunGvmiAsync(string dataHome, params string[] args) =>
        RunAsync("dotnet", dataHome, [ProcessAndNginxTests.Gvmi, .. args]);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string dataHome, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["XDG_DATA_HOME"] = dataHome;
        info.Environment[HttpPublishTarget.UserVariable] = PublishServerConfigs.User;
        info.Environment[HttpPublishTarget.PasswordVariable] = PublishServerConfigs.Password;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
