using Golem.VmImages.Cli.Commands;

namespace Golem.VmImages.Tests.Cli;

[NonParallelizable]
public class CheckCommandTests
{
    private const string AbcHash = "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf";
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-check-").FullName;
        Environment.CurrentDirectory = _directory;
        File.WriteAllText("abc.txt", "abc");
        File.WriteAllText("changed.txt", "abd");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Check_AllMatch_PrintsOkAndExitsZero()
    {
        File.WriteAllText("sums", $"{AbcHash}  abc.txt\n{AbcHash.ToUpperInvariant()} *abc.txt\r\n");

        var (exitCode, output, error) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "sums");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Is.EqualTo("abc.txt: OK\nabc.txt: OK\n"));
        Assert.That(error, Is.Empty, "like sha256sum -c, a clean check prints no summary");
    }

    [Test]
    public async Task Check_MismatchUnreadableAndMalformed_ReportsEachAndExitsOne()
    {
        File.WriteAllText("sums", $"{AbcHash}  abc.txt\n{AbcHash}  changed.txt\nnot a checksum line\n{AbcHash}  missing.txt\n");

        var (exitCode, output, error) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "--warn", "sums");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Is.EqualTo("abc.txt: OK\nchanged.txt: FAILED\nmissing.txt: FAILED open or read\n"));
        Assert.That(error, Does.Contain("gvmi: sums: 3: improperly formatted SHA3 checksum line"));
        Assert.That(error, Does.Contain("gvmi: missing.txt: No such file or directory"));
        Assert.That(error, Does.Contain("gvmi: WARNING: 1 line is improperly formatted"));
        Assert.That(error, Does.Contain("gvmi: WARNING: 1 listed file could not be read"));
        Assert.That(error, Does.Contain("gvmi: WARNING: 1 computed checksum did NOT match"));
    }

    [Test]
    public async Task Check_NoValidLines_ExitsOne()
    {
        File.WriteAllText("sums", "hello\n");

        var (exitCode, _, error) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "sums");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Is.EqualTo("gvmi: sums: no properly formatted checksum lines found\n"));
    }

    [Test]
    public async Task HashDashC_IsTheSameAsCheck()
    {
        File.WriteAllText("sums", $"{AbcHash}  abc.txt\n");

        var (exitCode, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "-c", "sums");

        Assert.That((exitCode, output), Is.EqualTo((0, "abc.txt: OK\n")));
    }

    [Test]
    public async Task Check_OutputOfHash_RoundTripsEscapedNames()
    {
        File.WriteAllText("we\\ird\nname", "abc");
        var (_, sums, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "we\\ird\nname", "abc.txt");
        File.WriteAllText("sums", sums);

        var (exitCode, output, _) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "sums");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Is.EqualTo("\\we\\\\ird\\nname: OK\nabc.txt: OK\n"), "escaped as sha256sum escapes it, so a name cannot start a line of its own");
    }

    [Test]
    public async Task Check_MissingSumsFile_ExitsOneNamingIt()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(CheckCommand.Create(), "check", "nosuch");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("gvmi: nosuch: "));
    }
}
