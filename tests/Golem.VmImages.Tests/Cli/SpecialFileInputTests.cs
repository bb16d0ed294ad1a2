using System.Diagnostics;
using System.Net.Sockets;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// FIFOs, sockets, devices and directories given where an image (or a build source) is read: every command refuses
/// them at once with one line, before any open (a FIFO with no writer used to hang inspect, package and push).
/// </summary>
[TestFixture]
[Platform("Linux")]
[CancelAfter(30_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpecialFileInputTests
{
    private string _directory = null!;
    private Socket? _socket;

    public static IEnumerable<string> Commands => ["inspect", "package", "publish", "push", "wrap", "build"];

    [SetUp]
    public async Task CreateSpecialFiles()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-special-").FullName;
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(_directory, "fifo")])!)
        {
            await mkfifo.WaitForExitAsync();
        }

        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "socket")));
        Directory.CreateDirectory(Path.Combine(_directory, "folder"));
    }

    [TearDown]
    public void DeleteSpecialFiles()
    {
        _socket?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Command_Fifo_RefusedAtOnce([ValueSource(nameof(Commands))] string command)
    {
        var stopwatch = Stopwatch.StartNew();

        var (exitCode, output, error) = await RunAsync(command, Path.Combine(_directory, "fifo"));

        Assert.That(exitCode, Is.EqualTo(1), error);
        Assert.That(output, Is.Empty);
        Assert.That(error, Is.EqualTo($"gvmi {command}: {Path.Combine(_directory, "fifo")}: A FIFO (named pipe), not a regular file; give the input as a file\n"));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "refused, not waiting for a writer");
    }

    [Test]
    public async Task Command_Socket_Refused([ValueSource(nameof(Commands))] string command)
    {
        var (exitCode, _, error) = await RunAsync(command, Path.Combine(_directory, "socket"));

        Assert.That(exitCode, Is.EqualTo(1), error);
        Assert.That(error, Does.EndWith("socket: A socket, not a regular file; give the input as a file\n"));
    }

    [Test]
    public async Task Command_CharacterDevice_Refused([ValueSource(nameof(Commands))] string command)
    {
        var (exitCode, _, error) = await RunAsync(command, "/dev/zero");

        Assert.That(exitCode, Is.EqualTo(1), error);
        Assert.That(error, Does.EndWith("/dev/zero: A character device, not a regular file; give the input as a file\n"));
    }

    [Test]
    public async Task Command_Directory_RefusedExceptAsABuildSource([ValueSource(nameof(Commands))] string command)
    {
        var folder = Path.Combine(_directory, "folder");

        var (exitCode, _, error) = await RunAsync(command, folder);

        Assert.That(exitCode, Is.Not.Zero);
        if (command == "build")
        {
            Assert.That(error, Does.Not.Contain("not a regular file"), "an OCI layout directory is a build source");
        }
        else
        {
            Assert.That(exitCode, Is.EqualTo(1), error);
            Assert.That(error, Does.EndWith("folder: Is a directory\n").Or.EndWith("folder: A directory, not a regular file; give the input as a file\n"));
        }
    }

    [Test]
    public void ReadMetadataAsync_Fifo_RefusedBeforeOpening()
    {
        var fifo = Path.Combine(_directory, "fifo");

        Assert.That(
            () => GvmiFile.ReadMetadataAsync(fifo),
            Throws.InstanceOf<IOException>().With.Message.EqualTo($"'{fifo}' is a FIFO (named pipe), not a regular file; expected a .gvmi file, whose metadata is read from its end."));
    }

    [Test]
    public void ReadMetadataAsync_DirectoryAndDevice_Refused()
    {
        Assert.That(() => GvmiFile.ReadMetadataAsync(_directory), Throws.InstanceOf<IOException>().With.Message.Contains("is a directory, not a regular file"));
        Assert.That(() => GvmiFile.ReadMetadataAsync("/dev/zero"), Throws.InstanceOf<IOException>().With.Message.Contains("is a character device, not a regular file"));
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string command, string path)
    {
        string[] args = command switch
        {
            "package" => [command, path, "--url", "http://127.0.0.1/x.gvmi"],
            "publish" => [command, path, "--to", Path.Combine(_directory, "published")],
            "push" => [command, path, "--registry", "http://127.0.0.1:9/"],
            "wrap" or "build" => [command, path, "-o", Path.Combine(_directory, "out.gvmi")],
            _ => [command, path],
        };
        return CliRunner.RunAsync(
            [InspectCommand.Create(), PackageCommand.Create(), PublishCommand.Create(), PushCommand.Create(), WrapCommand.Create(), BuildCommand.Create()],
            args);
    }
}
