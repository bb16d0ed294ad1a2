using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Golem.VmImages.Cli.Commands;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// <c>gvmi hash</c> and <c>gvmi check</c> next to coreutils: the same sums-file structure is checked by the real
/// <c>sha256sum -c</c> (with SHA-256 lines) and by <c>gvmi check</c> (with SHA3-224 lines), and the two must print the
/// same lines and exit with the same code.
/// </summary>
[NonParallelizable]
public class ChecksumCompatibilityTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-compat-").FullName;
        Environment.CurrentDirectory = _directory;
        File.WriteAllText("abc.txt", "abc");
        File.WriteAllText("with space.txt", "x");
        File.WriteAllText("back\\slash", "y");
        File.WriteAllText("changed.txt", "abd");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        Directory.Delete(_directory, recursive: true);
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        string[][] switches = [[], ["--quiet"], ["--status"], ["--strict"], ["--ignore-missing"], ["--warn"], ["--strict", "--warn", "--quiet"]];
        string[] documents = ["all-good", "mixed", "only-missing", "only-garbage"];
        foreach (var document in documents)
        {
            foreach (var option in switches)
            {
                yield return new TestCaseData(document, option).SetArgDisplayNames(document, string.Join(' ', option));
            }
        }
    }

    /// <summary>One sums file in the forms coreutils 9.1 reads, written with <paramref name="line"/> for a (hash, name) pair.</summary>
    private static string Document(string kind, Func<string, string, bool, string> line) => kind switch
    {
        "all-good" => string.Concat(
            line("abc.txt", "abc.txt", false) + "\n",
            "   " + line("abc.txt", "abc.txt", false) + "\n",
            "# a comment\n",
            "\n",
            line("with space.txt", "with space.txt", true) + "\n",
            line("back\\slash", "back\\slash", false) + "\n"),
        "mixed" => string.Concat(
            line("abc.txt", "abc.txt", false) + "\n",
            line("abc.txt", "changed.txt", false) + "\n",
            "not a checksum line\n",
            line("abc.txt", "missing.txt", false) + "\n",
            line("with space.txt", "with space.txt", true) + "\n"),
        "only-missing" => line("abc.txt", "missing.txt", false) + "\n",
        _ => "garbage\n",
    };

    [TestCaseSource(nameof(Cases))]
    public async Task Check_SameDocumentAsSha256sum_SameLinesAndExitCode(string kind, string[] switches)
    {
        File.WriteAllText("sums256", Document(kind, (file, name, tag) => Line("SHA256", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), name, tag)));
        File.WriteAllText("sums3", Document(kind, (file, name, tag) => Line("SHA3-224", ImageHasher.HashData(File.ReadAllBytes(file)).ToString(), name, tag)));

        var coreutils = Run("sha256sum", ["-c", .. switches, "sums256"]);
        var (exitCode, output, error) = await CliRunner.RunAsync(CheckCommand.Create(), ["check", .. switches, "sums3"]);

        Assert.That(output, Is.EqualTo(coreutils.Output));
        Assert.That(error, Is.EqualTo(coreutils.Error.Replace("sha256sum:", "gvmi:", StringComparison.Ordinal).Replace("sums256", "sums3", StringComparison.Ordinal).Replace("SHA256 checksum", "SHA3 checksum", StringComparison.Ordinal)));
        Assert.That(exitCode, Is.EqualTo(coreutils.ExitCode));
    }

    [Test]
    public async Task Hash_Tag_IsTheBsdFormLikeSha256sumTag()
    {
        var coreutils = Run("sha256sum", ["--tag", "abc.txt", "back\\slash"]);

        var (exitCode, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "--tag", "abc.txt", "back\\slash");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Is.EqualTo(coreutils.Output
            .Replace("SHA256", "SHA3-224", StringComparison.Ordinal)
            .Replace(Convert.ToHexStringLower(SHA256.HashData("abc"u8)), ImageHasher.HashData("abc"u8).ToString(), StringComparison.Ordinal)
            .Replace(Convert.ToHexStringLower(SHA256.HashData("y"u8)), ImageHasher.HashData("y"u8).ToString(), StringComparison.Ordinal)));
    }

    [TestCase("256")]
    [TestCase("384")]
    [TestCase("512")]
    [TestCase("224")]
    public async Task Hash_Algorithm_PrintsThatSha3LengthAndChecksBack(string bits)
    {
        var expected = bits switch
        {
            "256" => SHA3_256.HashData("abc"u8),
            "384" => SHA3_384.HashData("abc"u8),
            "512" => SHA3_512.HashData("abc"u8),
            _ => ImageHasher.HashData("abc"u8).ToArray(),
        };

        var (exitCode, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "-a", bits, "abc.txt");
        var (tagExit, tagged, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "-a", bits, "--tag", "abc.txt");
        File.WriteAllText("sums", output + tagged);
        var (checkExit, checkOutput, _) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "-a", bits, "sums");

        Assert.That((exitCode, tagExit), Is.EqualTo((0, 0)));
        Assert.That(output, Is.EqualTo($"{Convert.ToHexStringLower(expected)}  abc.txt\n"));
        Assert.That(tagged, Is.EqualTo($"SHA3-{bits} (abc.txt) = {Convert.ToHexStringLower(expected)}\n"));
        Assert.That((checkExit, checkOutput), Is.EqualTo((0, "abc.txt: OK\nabc.txt: OK\n")));
    }

    [Test]
    public async Task Hash_AlgorithmNotASha3Length_IsAUsageError()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "-a", "1", "abc.txt");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("gvmi hash: ").And.Contain("'1'"));
    }

    [Test]
    public async Task Check_AlgorithmGiven_OtherLengthsAreImproperlyFormatted()
    {
        File.WriteAllText("sums", $"{ImageHasher.HashData("abc"u8)}  abc.txt\n{Convert.ToHexStringLower(SHA3_256.HashData("abc"u8))}  abc.txt\n");

        var (exitCode, output, error) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "-a", "256", "--warn", "sums");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Is.EqualTo("abc.txt: OK\n"));
        Assert.That(error, Is.EqualTo("gvmi: sums: 1: improperly formatted SHA3-256 checksum line\ngvmi: WARNING: 1 line is improperly formatted\n"));
    }

    [TestCase(" ", TestName = "Check_SingleSpaceAfterTheHash_IsRead")]
    [TestCase("\t", TestName = "Check_TabAfterTheHash_IsRead")]
    [TestCase(" *", TestName = "Check_BinaryMarker_IsRead")]
    public async Task Check_OtherSeparators_AreRead(string separator)
    {
        File.WriteAllText("sums", $"\t {ImageHasher.HashData("abc"u8)}{separator}abc.txt\nSHA3-224(abc.txt)= {ImageHasher.HashData("abc"u8)}\n");

        var (exitCode, output, _) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "--strict", "sums");

        Assert.That((exitCode, output), Is.EqualTo((0, "abc.txt: OK\nabc.txt: OK\n")));
    }

    [TestCase("--tag", TestName = "HashDashC_WithTag_IsAUsageError")]
    [TestCase("--json", TestName = "HashDashC_WithJson_IsAUsageError")]
    public async Task HashDashC_WithAnOutputFormat_IsAUsageError(string option)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "-c", option, "sums");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.StartWith($"gvmi hash: the {option} option is meaningless when verifying checksums\n"));
    }

    [TestCase("--status")]
    [TestCase("--strict")]
    [TestCase("--ignore-missing")]
    [TestCase("--warn")]
    public async Task Hash_CheckOnlySwitchWithoutDashC_IsAUsageError(string option)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(HashCommand.Create(), "hash", option, "abc.txt");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.StartWith($"gvmi hash: the {option} option is meaningful only when verifying checksums\n"));
    }

    private static string Line(string algorithm, string hex, string name, bool tag)
    {
        var escaped = name.Contains('\\', StringComparison.Ordinal);
        var shown = name.Replace("\\", "\\\\", StringComparison.Ordinal);
        return (escaped ? "\\" : string.Empty) + (tag ? $"{algorithm} ({shown}) = {hex}" : $"{hex}  {shown}");
    }

    private static (int ExitCode, string Output, string Error) Run(string tool, string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Environment.CurrentDirectory, StandardOutputEncoding = Encoding.UTF8 };
        start.Environment["LC_ALL"] = "C";
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}
