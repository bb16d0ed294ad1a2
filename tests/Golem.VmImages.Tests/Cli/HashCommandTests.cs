using System.Text.Json;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Tests.Hashing;

namespace Golem.VmImages.Tests.Cli;

[NonParallelizable]
public class HashCommandTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-hash-").FullName;
        Environment.CurrentDirectory = _directory;
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Hash_SeveralFiles_PrintsSha3sumLinesInArgumentOrder()
    {
        File.WriteAllText("abc.txt", "abc");
        File.WriteAllBytes("empty.gvmi", []);
        File.WriteAllBytes("big.bin", TestVectors.MessageStream(3 << 20));

        var (exitCode, output, error) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "big.bin", "abc.txt", "empty.gvmi");

        Assert.That(exitCode, Is.Zero);
        Assert.That(error, Is.Empty);
        Assert.That(output, Is.EqualTo(
            $"{ImageHasher.HashData(TestVectors.MessageStream(3 << 20))}  big.bin\n" +
            "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  abc.txt\n" +
            "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7  empty.gvmi\n"));
    }

    [TestCase(1, TestName = "one at a time: the overlapped asynchronous pipeline")]
    [TestCase(2, TestName = "two at once: a thread per file, synchronous reads")]
    public async Task ParallelFileHasher_EitherSchedule_GivesTheSameOutcomesInOrder(int concurrency)
    {
        File.WriteAllText("abc.txt", "abc");
        File.WriteAllBytes("big.bin", TestVectors.MessageStream(3 << 20));
        Directory.CreateDirectory("folder");
        var display = ProgressDisplay.Start(TextWriter.Null, "hashing", 0);
        await using (display)
        {
            var hasher = new ParallelFileHasher(() => new MemoryStream("abc"u8.ToArray()), display, concurrency);

            var outcomes = await Task.WhenAll(hasher.Start(["big.bin", "-", "missing.gvmi", "folder", "abc.txt"], CancellationToken.None));

            Assert.That(outcomes.Select(o => (o.Name, o.Hash.IsDefault ? "" : o.Hash.ToString(), o.Error)), Is.EqualTo(new[]
            {
                ("big.bin", ImageHasher.HashData(TestVectors.MessageStream(3 << 20)).ToString(), null),
                ("-", "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf", null),
                ("missing.gvmi", "", "No such file or directory"),
                ("folder", "", "Is a directory"),
                ("abc.txt", "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf", (string?)null),
            }));
        }
    }

    [Test]
    public async Task Hash_UnreadableFile_ReportsItAndStillHashesTheOthers()
    {
        File.WriteAllText("abc.txt", "abc");
        Directory.CreateDirectory("folder");

        var (exitCode, output, error) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "missing.gvmi", "abc.txt", "folder", "");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Is.EqualTo("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  abc.txt\n"));
        Assert.That(error, Is.EqualTo("gvmi: missing.gvmi: No such file or directory\ngvmi: folder: Is a directory\ngvmi: : No such file or directory\n"));
    }

    [Test]
    public async Task Hash_FileNameWithBackslash_IsEscapedLikeCoreutils()
    {
        File.WriteAllText("a\\b", "abc");

        var (_, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "a\\b");

        Assert.That(output, Is.EqualTo("\\e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  a\\\\b\n"));
    }

    [Test]
    public async Task Hash_Json_PrintsOneDocumentWithHashesSizesAndErrors()
    {
        File.WriteAllText("abc.txt", "abc");

        var (exitCode, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "--json", "abc.txt", "missing");

        Assert.That(exitCode, Is.EqualTo(1));
        using var document = JsonDocument.Parse(output);
        var items = document.RootElement.EnumerateArray().ToList();
        Assert.That(items, Has.Count.EqualTo(2));
        Assert.That(items[0].GetProperty("file").GetString(), Is.EqualTo("abc.txt"));
        Assert.That(items[0].GetProperty("hash").GetString(), Is.EqualTo("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"));
        Assert.That(items[0].GetProperty("size").GetInt64(), Is.EqualTo(3));
        Assert.That(items[1].GetProperty("error").GetString(), Is.EqualTo("No such file or directory"));
    }

    [Test]
    public async Task Hash_JsonWithNonAsciiFileName_PrintsTheNameReadably()
    {
        // Like package and inspect --json: readable escaping, so the name can be read (and grepped) as written.
        File.WriteAllText("obraz-żółw&co.gvmi", "abc");

        var (exitCode, output, _) = await CliRunner.RunAsync(HashCommand.Create(), "hash", "--json", "obraz-żółw&co.gvmi");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("\"file\": \"obraz-żółw&co.gvmi\""));
    }
}
