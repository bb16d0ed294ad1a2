using System.CommandLine;
using System.Text.RegularExpressions;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// What the whole gvmi command tree shares: help that works whatever else is missing (walked over the tree, so a
/// command added later is covered), suggestions for mistyped commands and options, and clean one-line parse errors.
/// </summary>
public partial class CommandLineSpineTests
{
    private static IEnumerable<TestCaseData> EveryCommandAndHelpSpelling()
    {
        foreach (var path in CommandPaths(GvmiCommandLine.CreateRoot(), []))
        {
            foreach (var help in new[] { "--help", "-h", "-?" })
            {
                yield return new TestCaseData(path, help).SetArgDisplayNames(string.Join(' ', path.Prepend("gvmi")) + " " + help);
            }
        }
    }

    private static IEnumerable<Command> Commands(Command command) => command.Subcommands.SelectMany(Commands).Prepend(command);

    private static IEnumerable<string[]> CommandPaths(Command command, string[] path)
    {
        yield return path;
        foreach (var sub in command.Subcommands)
        {
            foreach (var inner in CommandPaths(sub, [.. path, sub.Name]))
            {
                yield return inner;
            }
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await CliInvocation.RunAsync(GvmiCommandLine.CreateRoot(), args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Test]
    public void CommandTree_HasEveryCommand()
    {
        // The walk below covers what the tree holds; this guards against walking an empty tree.
        Assert.That(CommandPaths(GvmiCommandLine.CreateRoot(), []).Count(), Is.GreaterThanOrEqualTo(17));
    }

    [Test]
    public void Action_EveryCommand_IsAGvmiActionApartFromItsDefinition()
    {
        var commands = Commands(GvmiCommandLine.CreateRoot()).Where(c => c is not RootCommand && c.Action is not null).ToList();
        var others = commands.Where(c => c.Action is not GvmiAction).Select(c => c.Name);

        Assert.That(commands, Has.Count.GreaterThanOrEqualTo(15));
        Assert.That(others, Is.Empty, "each command's action is a class on GvmiAction, not a SetAction lambda");
    }

    [Test]
    public void Sources_WriteNoHardCodedCommandPrefix()
    {
        // Every "gvmi COMMAND: " comes from the command's own name (ErrorWriter), so a renamed or nested command
        // cannot print a stale prefix.
        var cli = Path.Combine(Repository.ReadmeSnippetTests.RepositoryRoot(), "src", "Golem.VmImages.Cli");
        var literals = Directory.EnumerateFiles(cli, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => File.ReadLines(file).Select(line => (File: Path.GetFileName(file), Line: line.Trim())))
            .Where(l => !l.Line.StartsWith("//", StringComparison.Ordinal) && HardCodedPrefix().IsMatch(l.Line))
            .Select(l => $"{l.File}: {l.Line}");

        Assert.That(literals, Is.Empty);
    }

    [TestCaseSource(nameof(EveryCommandAndHelpSpelling))]
    public async Task Help_EveryCommand_ExitsZeroWithUsageWhateverIsMissing(string[] path, string help)
    {
        var (exitCode, output, error) = await RunAsync([.. path, help]);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(error, Is.Empty);
        Assert.That(output, Does.Contain("Usage:").And.Contain("Exit codes:"));
    }

    [TestCase(new[] { "buld", "x" }, "gvmi: 'buld' is not a gvmi command; did you mean 'build'?")]
    [TestCase(new[] { "cache", "prnue" }, "gvmi cache: 'prnue' is not a gvmi cache command; did you mean 'prune'?")]
    [TestCase(new[] { "build", "--compresion", "gzip", "x", "-o", "y.gvmi" }, "gvmi build: unrecognized option '--compresion'; did you mean '--compression'?")]
    [TestCase(new[] { "hash", "--jsn", "x" }, "gvmi hash: unrecognized option '--jsn'; did you mean '--json'?")]
    [TestCase(new[] { "fetch", "--attemps=3", "x" }, "gvmi fetch: unrecognized option '--attemps'; did you mean '--attempts'?")]
    [TestCase(new[] { "hash", "-a", "225", "x" }, "gvmi hash: --algorithm '225' is not valid; expected 224, 256, 384 or 512.")]
    [TestCase(new[] { "package", "x.gvmi", "--url", "http://127.0.0.1/x", "--progress", "sometimes" }, "gvmi package: --progress 'sometimes' is not valid; expected auto, always or never.")]
    [TestCase(new[] { "package", "x.gvmi", "--url", "http://127.0.0.1/x", "--runtime", "vm-gpu" }, "gvmi package: --runtime 'vm-gpu' is not valid; expected vm or vm-nvidia.")]
    public async Task Mistake_IsOneLineWithTheClosestValidName(string[] args, string expected)
    {
        var (exitCode, output, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), error);
        Assert.That(lines[0], Is.EqualTo(expected));
        Assert.That(lines[1], Does.StartWith("Try 'gvmi"));
    }

    [Test]
    public async Task UnknownCommand_FarFromAnyName_ListsTheCommands()
    {
        var (exitCode, _, error) = await RunAsync("zzzzzz");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.StartWith("gvmi: 'zzzzzz' is not a gvmi command; the commands are hash, check,"));
    }

    [TestCase("buld", "build", 1)]
    [TestCase("--compresion", "--compression", 1)]
    [TestCase("pubilsh", "publish", 1)]
    [TestCase("abc", "xyz", 3)]
    public void Distance_CountsEditsAndSwaps(string a, string b, int expected) =>
        Assert.That(Suggestions.Distance(a, b), Is.EqualTo(expected));

    [GeneratedRegex(@"\$?""gvmi [a-z]+( [a-z]+)?: ")]
    private static partial Regex HardCodedPrefix();
}
