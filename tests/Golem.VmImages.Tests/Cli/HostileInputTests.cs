using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Tests.Cli;

/// <summary>Crafted files, pipes and directories: clean messages and exit codes, nothing reaches the terminal raw.</summary>
[NonParallelizable]
public class HostileInputTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-hostile-").FullName;
        Environment.CurrentDirectory = _directory;
        File.WriteAllText("abc.txt", "abc");
        Directory.CreateDirectory("folder");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        Directory.Delete(_directory, recursive: true);
    }

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync([HashCommand.Create(), CheckCommand.Create(), InspectCommand.Create(), PackageCommand.Create()], args);

    /// <summary>Builds a .gvmi by hand with any JSON payload and a correct CRC.</summary>
    internal static byte[] Build(byte[] json)
    {
        var squashfs = Golem.VmImages.Tests.Gvmi.TestSquashfs.Create(128);
        var result = new byte[squashfs.Length + 4 + json.Length + 8];
        squashfs.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(squashfs.Length), Crc32.HashToUInt32(json));
        json.CopyTo(result, squashfs.Length + 4);
        Encoding.ASCII.GetBytes(json.Length.ToString("D8", System.Globalization.CultureInfo.InvariantCulture), result.AsSpan(result.Length - 8));
        return result;
    }

    [Test]
    public void GvmiContainerConfig_LoneSurrogateEscape_IsAJsonExceptionSayingSo()
    {
        Assert.That(
            () => GvmiContainerConfig.Parse("""{"Env":["A=\ud800"]}"""u8),
            Throws.InstanceOf<JsonException>().With.Message.Contains("unpaired surrogate"));
        Assert.That(
            () => GvmiContainerConfig.Parse("""{"Labels":{"\udfff":"x"}}"""u8),
            Throws.InstanceOf<JsonException>().With.Message.Contains("unpaired surrogate"));
    }

    [Test]
    public async Task Inspect_LoneSurrogateInTrailer_IsOneCleanLine()
    {
        File.WriteAllBytes("bad.gvmi", Build("""{"Cmd":["\ud800"]}"""u8.ToArray()));

        var (exitCode, output, error) = await RunAsync("inspect", "bad.gvmi");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.StartWith("gvmi inspect: The metadata of the .gvmi file").And.Contain("unpaired surrogate"));
        Assert.That(error.TrimEnd('\n'), Does.Not.Contain("\n"));
    }

    [Test]
    public async Task Inspect_EscapeSequencesInConfig_AreShownEscaped()
    {
        File.WriteAllBytes("evil.gvmi", Build("""{"Env":["PS1=\u001b]0;owned\u0007"],"WorkingDir":"/\u001b[2J","Labels":{"k\r":"v\u009b31m"},"Cmd":["\u001b[31m"]}"""u8.ToArray()));

        var (exitCode, output, error) = await RunAsync("inspect", "evil.gvmi");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output.Where(c => char.IsControl(c) && c != '\n'), Is.Empty, output);
        Assert.That(output, Does.Contain("  PS1=\\x1b]0;owned\\x07").And.Contain("WorkingDir:   /\\x1b[2J").And.Contain("  k\\r = v\\x9b31m"));
    }

    [TestCase("hash")]
    [TestCase("check")]
    [TestCase("inspect")]
    [TestCase("package")]
    public async Task Directory_EveryReader_SaysIsADirectory(string command)
    {
        var args = command == "package" ? new[] { command, "folder", "--url", "http://127.0.0.1/x.gvmi" } : [command, "folder"];

        var (exitCode, _, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.EndWith("folder: Is a directory\n"));
    }

    [TestCase("inspect")]
    [TestCase("package")]
    public async Task TrailerOnly_NoSquashfs_Refused(string command)
    {
        // A file holding only a valid trailer (38 bytes in the fault campaign), no squashfs a provider could mount.
        var json = "{\"Cmd\":[\"/bin/sh\"]}"u8.ToArray();
        var bytes = new byte[4 + json.Length + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Crc32.HashToUInt32(json));
        json.CopyTo(bytes, 4);
        Encoding.ASCII.GetBytes(json.Length.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)).CopyTo(bytes, 4 + json.Length);
        await File.WriteAllBytesAsync("trailer.gvmi", bytes);
        var args = command == "package" ? new[] { command, "trailer.gvmi", "--url", "http://127.0.0.1/x.gvmi" } : [command, "trailer.gvmi"];

        var (exitCode, output, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(1), error);
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.Contain("'trailer.gvmi' is not a .gvmi image: it does not start with a squashfs filesystem"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Pipe_HashReadsTheStream_InspectAndPackageRefuseIt()
    {
        var fifo = Path.Combine(_directory, "fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        // As with sha256sum, a reader waits for the pipe's writer (here, like `<(cmd)`, one is always there).
        var writer = Feed(fifo);
        var (hashExit, hashOutput, _) = await RunAsync("hash", fifo);
        await writer;

        // No writer: inspect and package refuse the pipe before opening it, so they cannot wait for one.
        var (inspectExit, _, inspectError) = await RunAsync("inspect", fifo);
        var (packageExit, _, packageError) = await RunAsync("package", fifo, "--url", "http://127.0.0.1/x.gvmi");

        Assert.That((hashExit, hashOutput), Is.EqualTo((0, $"e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  {fifo}\n")));
        Assert.That(inspectExit, Is.EqualTo(1));
        Assert.That(inspectError, Is.EqualTo($"gvmi inspect: {fifo}: A FIFO (named pipe), not a regular file; give the input as a file\n"));
        Assert.That(packageExit, Is.EqualTo(1));
        Assert.That(packageError, Does.Contain("fifo: A FIFO (named pipe), not a regular file"));
    }

    private static Task Feed(string fifo) => Task.Run(() =>
    {
        try
        {
            File.WriteAllText(fifo, "abc");
        }
        catch (IOException)
        {
            // The reader closed the pipe without reading it all (it refuses pipes).
        }
    });

    [Test]
    public async Task Check_NameForgingAnOkLine_IsEscaped()
    {
        var hash = ImageHasher.HashData("abc"u8);
        File.WriteAllText("sums", $"\\{hash}  important.gvmi: OK\\nabc.txt\n{hash}  x\rimportant.gvmi\n");

        var (exitCode, output, _) = await RunAsync("check", "sums");

        Assert.That(exitCode, Is.EqualTo(1));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.None.StartWith("important.gvmi"));
        Assert.That(lines, Is.EqualTo(new[] { "\\important.gvmi: OK\\nabc.txt: FAILED open or read", "\\x\\rimportant.gvmi: FAILED open or read" }));
    }

    [Test]
    public async Task Check_NulInAName_IsAMalformedLine()
    {
        File.WriteAllText("sums", $"{ImageHasher.HashData("abc"u8)}  abc.txt\0.gvmi\n");

        var (exitCode, output, error) = await RunAsync("check", "sums");

        Assert.That((exitCode, output), Is.EqualTo((1, string.Empty)));
        Assert.That(error, Is.EqualTo("gvmi: sums: no properly formatted checksum lines found\n"));
    }

    [Test]
    public async Task Hash_ControlCharactersInAnErrorName_AreEscaped()
    {
        var (exitCode, _, error) = await RunAsync("hash", "missing\u001b[2J.gvmi");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Is.EqualTo("gvmi: missing\\x1b[2J.gvmi: No such file or directory\n"));
    }

    [Test]
    public async Task Package_TruncatedImage_IsRefusedOrWarnedWithNoValidate()
    {
        var sample = await File.ReadAllBytesAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi"));
        File.WriteAllBytes("cut.gvmi", sample[..^100]);

        var refused = await RunAsync("package", "cut.gvmi", "--url", "http://127.0.0.1/cut.gvmi");
        var forced = await RunAsync("package", "cut.gvmi", "--url", "http://127.0.0.1/cut.gvmi", "--no-validate");

        Assert.That(refused.ExitCode, Is.EqualTo(1));
        Assert.That(refused.Output, Is.Empty);
        Assert.That(refused.Error, Does.StartWith("gvmi package: ").And.Contain("Refusing to package it; pass --no-validate"));
        Assert.That(forced.ExitCode, Is.Zero);
        Assert.That(forced.Error, Does.StartWith("gvmi package: warning: "));
        Assert.That(forced.Output, Does.Contain("Image hash:   " + ImageHasher.HashData(sample.AsSpan(0, sample.Length - 100))));
    }
}
