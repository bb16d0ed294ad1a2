using System.Diagnostics;
using System.Globalization;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// The exit-code table holds for every command and every failure class, on real failures: an output that exists (2),
/// a missing input (4), a full volume and an unwritable destination (5, naming the user's path), a file that is not a
/// .gvmi (1). Full and read-only volumes are small tmpfs mounts where the tests run as root, and ignored with the
/// reason elsewhere (a read-only directory stands in for an unwritable one there).
/// </summary>
[NonParallelizable]
public class ExitCodeTableTests
{
    private static readonly string SamplePath = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");
    private readonly List<string> _mounts = [];
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-exit-codes-").FullName;
        Environment.CurrentDirectory = _directory;
        File.WriteAllText("taken.gvmi", "mine");
        Directory.CreateDirectory("rootfs");
        File.WriteAllBytes(Path.Combine("rootfs", "noise.bin"), RandomBytes(6 << 20));
        File.WriteAllText("rootfs.tar", "not an image, just some text that is long enough to have a trailer-sized tail");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        foreach (var mount in _mounts)
        {
            Run("umount", mount);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static string Hash(string path) => $"hash:sha3:{ImageHasher.HashFile(path)}";

    public static IEnumerable<TestCaseData> OutputExists()
    {
        yield return Case(["build", "--rootfs", "rootfs", "-o", "taken.gvmi"], "gvmi build: --output 'taken.gvmi' already exists");
        yield return Case(["wrap", SamplePath, "-o", "taken.gvmi"], "gvmi wrap: --output 'taken.gvmi' already exists");
        yield return Case(["fetch", "-o", "taken.gvmi", "--hash", ImageHasher.HashFile(SamplePath).ToString(), new Uri(SamplePath).AbsoluteUri], "gvmi fetch: --output 'taken.gvmi' already exists");
        yield return Case(["publish", SamplePath, "--to", "taken.gvmi"], "gvmi publish: --to 'taken.gvmi' is a file");
    }

    public static IEnumerable<TestCaseData> MissingInput()
    {
        yield return Case(["inspect", "missing.gvmi"], "gvmi inspect: missing.gvmi: No such file or directory");
        yield return Case(["package", "missing.gvmi", "--url", "http://127.0.0.1/x.gvmi"], "gvmi package: missing.gvmi: No such file or directory");
        yield return Case(["publish", "missing.gvmi", "--to", "out"], "gvmi publish: missing.gvmi: No such file or directory");
        yield return Case(["push", "missing.gvmi", "--registry", "http://127.0.0.1:1"], "gvmi push: ");
        yield return Case(["build", "missing-image.tar", "-o", "new.gvmi"], "gvmi build: missing-image.tar: No such file or directory");
        yield return Case(["wrap", "missing.sqfs", "-o", "new.gvmi"], "gvmi wrap: missing.sqfs: No such file or directory");
    }

    [TestCaseSource(nameof(OutputExists))]
    public async Task OutputExists_IsAUsageErrorThatKeepsTheFile(string[] args, string expected)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage), error);
        Assert.That(error, Does.StartWith(expected));
        Assert.That(File.ReadAllText("taken.gvmi"), Is.EqualTo("mine"));
    }

    [TestCaseSource(nameof(MissingInput))]
    public async Task MissingInput_IsNotFound(string[] args, string expected)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.NotFound), error);
        Assert.That(error, Does.StartWith(expected));
        Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), error);
    }

    [TestCase("inspect")]
    [TestCase("package")]
    public async Task NotAGvmi_IsCalledThat(string command)
    {
        string[] args = command == "package" ? [command, "rootfs.tar", "--url", "http://127.0.0.1/x.gvmi"] : [command, "rootfs.tar"];

        var (exitCode, _, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(error, Does.StartWith($"gvmi {command}: 'rootfs.tar' is not a .gvmi image: it does not start with a squashfs filesystem"));
        Assert.That(error, Does.Not.Contain("length field"));
    }

    [Test]
    public async Task Package_FileUrl_IsAUsageErrorInTheUsersTerms()
    {
        var (exitCode, _, error) = await RunAsync("package", SamplePath, "--url", "file:///srv/x.gvmi");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.StartWith("gvmi package: --url 'file:///srv/x.gvmi' is not an http or https URL").And.Not.Contain("allowFileUrl"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RefusedConnection_RetriesAreOneLineEach_AndTheFinalErrorIsPrintedOnce()
    {
        var (exitCode, _, error) = await RunAsync("fetch", "--cache", "cache", "--attempts", "3", Hash(SamplePath) + ":http://127.0.0.1:1/hello.gvmi");

        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Network), error);
        Assert.That(lines, Has.Length.EqualTo(3), error);
        Assert.That(lines[0], Does.StartWith("gvmi fetch: Attempt 2 of 3 in ").And.Contain("refused"));
        Assert.That(lines[1], Does.StartWith("gvmi fetch: Attempt 3 of 3 in ").And.EndWith(": the same failure"));
        Assert.That(lines[2], Does.StartWith("gvmi fetch: ").And.Contain("refused"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task FullVolume_BuildPublishAndFetch_ExitFiveNamingTheUsersPathAndLeaveNothing()
    {
        var full = Mount("full", "size=1m");

        var build = await RunAsync("build", "--rootfs", "rootfs", "-o", "full/out.gvmi", "--compression", "gzip");
        var publish = await RunAsync("publish", Path.Combine("rootfs", "noise.bin"), "--to", "full", "--no-validate", "--no-check");
        var fetch = await RunAsync("fetch", "-o", "full/noise.bin", "--hash", ImageHasher.HashFile(Path.Combine("rootfs", "noise.bin")).ToString(), new Uri(Path.GetFullPath(Path.Combine("rootfs", "noise.bin"))).AbsoluteUri);

        Assert.That(build, Is.EqualTo((ExitCodes.Network, string.Empty, "gvmi build: no space left on 'full/out.gvmi'.\n")));
        Assert.That(publish, Is.EqualTo((ExitCodes.Network, string.Empty, "gvmi publish: no space left on 'full'.\n")));
        Assert.That(fetch.ExitCode, Is.EqualTo(ExitCodes.Network), fetch.Error);
        Assert.That(fetch.Error, Does.StartWith("gvmi fetch: ").And.Contain("full"));
        Assert.That(Directory.GetFileSystemEntries(full, "*", SearchOption.AllDirectories), Is.Empty, "nothing is left on the full volume");
    }

    [Test]
    [CancelAfter(120_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task UnwritableDestination_BuildPublishAndFetch_ExitFiveNamingTheUsersPath()
    {
        var locked = Unwritable("locked");

        var build = await RunAsync("build", "--rootfs", "rootfs", "-o", "locked/out.gvmi");
        var publish = await RunAsync("publish", SamplePath, "--to", "locked", "--no-check");
        var fetch = await RunAsync("fetch", "--cache", "locked/cache", Hash(SamplePath) + ":http://127.0.0.1:1/hello.gvmi");

        Assert.That(build.ExitCode, Is.EqualTo(ExitCodes.Network), build.Error);
        Assert.That(build.Error, Does.StartWith("gvmi build: cannot write to 'locked/out.gvmi'"));
        Assert.That(publish.ExitCode, Is.EqualTo(ExitCodes.Network), publish.Error);
        Assert.That(publish.Error, Does.StartWith("gvmi publish: cannot write to 'locked'"));
        Assert.That(fetch.ExitCode, Is.EqualTo(ExitCodes.Network), fetch.Error);
        Assert.That(fetch.Error, Does.StartWith("gvmi fetch: cannot write to 'locked/cache'"));
        Assert.That(Directory.GetFileSystemEntries(locked), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task CtrlC_ToTheProcessGroup_KillsTheSquashfsToolToo_OneInterruptedLine()
    {
        // A stand-in squashfs tool that waits, so the terminal's Ctrl-C (SIGINT to the whole group) reaches it and gvmi.
        File.WriteAllText("slow-tar2sqfs", "#!/bin/sh\nexec sleep 30\n");
        File.SetUnixFileMode("slow-tar2sqfs", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var gvmi = Path.Combine(TestContext.CurrentContext.TestDirectory, "gvmi.dll");
        var script = $"exec dotnet '{gvmi}' build --rootfs rootfs -o out.gvmi --squashfs-tool ./slow-tar2sqfs --progress never";
        var start = new ProcessStartInfo("setsid", ["sh", "-c", script]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var stopwatch = Stopwatch.StartNew();
        while (!Process.GetProcesses().Any(p => p.ProcessName == "sleep" && ParentOf(p.Id) == process.Id) && stopwatch.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(100);
        }

        Run("kill", "-INT", "--", "-" + process.Id.ToString(CultureInfo.InvariantCulture));
        await ProcessExit.WaitAfterSignalAsync(process, "SIGINT");

        Assert.That(process.ExitCode, Is.EqualTo(ExitCodes.Canceled));
        Assert.That(await error, Is.EqualTo("gvmi build: interrupted\n"));
        Assert.That(File.Exists("out.gvmi"), Is.False);
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static TestCaseData Case(string[] args, string expected) =>
        new TestCaseData(args, expected).SetArgDisplayNames(string.Join(' ', args.Take(1)));

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await CliInvocation.RunAsync(GvmiCommandLine.CreateRoot(), args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A tmpfs of the given options at <paramref name="name"/>, or the test is ignored where mounting is not possible.</summary>
    private string Mount(string name, string options)
    {
        var path = Path.Combine(_directory, name);
        Directory.CreateDirectory(path);
        if (Environment.UserName != "root" || Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path) != 0)
        {
            Assert.Ignore($"Needs a small tmpfs mount (runs as root where mount is allowed); here the user is '{Environment.UserName}' and mounting failed.");
        }

        _mounts.Add(path);
        return path;
    }

    /// <summary>A directory nobody can write to: a read-only tmpfs as root (root ignores permissions), mode 0555 otherwise.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private string Unwritable(string name)
    {
        if (Environment.UserName == "root")
        {
            return Mount(name, "ro,size=1m");
        }

        var path = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return path;
    }

    private static int Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(21).NextBytes(bytes);
        return bytes;
    }
}
