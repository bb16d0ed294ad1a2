using System.CommandLine;
using System.Diagnostics;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// What every command shares: the exit-code classes (usage 2, interrupted 130), unknown options, <c>--</c>, one-line
/// messages without C# parameter names, and the exit-code table in <c>--help</c>.
/// </summary>
[NonParallelizable]
public class CliConventionsTests
{
    private static readonly string SamplePath = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-conventions-").FullName;
        Environment.CurrentDirectory = _directory;
        File.WriteAllText("abc.txt", "abc");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Environment.CurrentDirectory = TestContext.CurrentContext.TestDirectory;
        Directory.Delete(_directory, recursive: true);
    }

    private static Command[] AllCommands() =>
    [
        HashCommand.Create(), CheckCommand.Create(), PackageCommand.Create(), InspectCommand.Create(), ResolveCommand.Create(),
        WrapCommand.Create(), ServeCommand.Create(), FetchCommand.Create(), CacheCommand.Create(), CompletionCommand.Create(),
    ];

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => CliRunner.RunAsync(AllCommands(), args);

    [TestCase("--jsn", "hash", "--jsn", "abc.txt")]
    [TestCase("--stauts", "check", "--stauts", "sums")]
    [TestCase("--cpu", "package", "hello.gvmi", "--url", "http://127.0.0.1/x", "--cpu")]
    [TestCase("-x", "inspect", "-x", "hello.gvmi")]
    [TestCase("--registy", "resolve", "--tag", "a/b:c", "--registy", "http://127.0.0.1/")]
    [TestCase("--entry", "wrap", "in.sqfs", "-o", "out.gvmi", "--entry", "x")]
    [TestCase("--prot", "serve", "--prot", "1", ".")]
    [TestCase("--hsah", "fetch", "--hsah", "00", "http://127.0.0.1/x")]
    [TestCase("--cahce", "cache", "list", "--cahce", "x")]
    [TestCase("--max-sise", "cache", "prune", "--max-sise", "1G")]
    [TestCase("--shell", "completion", "--shell", "bash")]
    public async Task UnknownOption_EveryCommand_ExitsTwoNamingIt(string mistyped, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.Contain(mistyped).And.Contain("Try 'gvmi "));
        Assert.That(error, Does.Not.Contain("No such file"), "an unknown option is never taken for a file name");
        Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), error);
    }

    [TestCase("package", "x.gvmi")]
    [TestCase("fetch")]
    [TestCase("hash", "-a", "1")]
    [TestCase("fetch", "--attempts", "many", "hash:sha3:00:http://127.0.0.1/x")]
    [TestCase("fetch", "--attempts", "0", "hash:sha3:00:http://127.0.0.1/x")]
    [TestCase("fetch", "--max-size", "lots", "hash:sha3:00:http://127.0.0.1/x")]
    [TestCase("package", "x.gvmi", "--url", "http://127.0.0.1/x", "--min-mem-gib", "NaN")]
    [TestCase("package", "x.gvmi", "--url", "http://127.0.0.1/x", "--min-storage-gib", "Infinity")]
    [TestCase("package", "x.gvmi", "--url", "http://127.0.0.1/x", "--min-cpu-threads", "0")]
    [TestCase("package", "x.gvmi", "--url", "http://127.0.0.1/x", "--min-cpu-cores", "-1")]
    [TestCase("package", "x.gvmi", "--url", "http://127.0.0.1/x", "--progress", "sometimes")]
    [TestCase("resolve")]
    [TestCase("resolve", "--hash", "123")]
    [TestCase("completion", "tcsh")]
    [TestCase("nosuchcommand")]
    public async Task BadCommandLine_IsAUsageError(params string[] args)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage), error);
        Assert.That(error, Does.StartWith("gvmi"));
        Assert.That(error, Does.Not.Contain("(Parameter ").And.Not.Contain("Exception").And.Not.Contain("   at "));
    }

    [Test]
    public async Task OutputFileExists_WrapAndFetch_AreUsageErrorsThatKeepTheFile()
    {
        File.WriteAllText("taken.gvmi", "mine");

        var wrap = await RunAsync("wrap", "abc.txt", "-o", "taken.gvmi");
        var fetch = await RunAsync("fetch", "-o", "taken.gvmi", $"hash:sha3:{ImageHasher.HashData("abc"u8)}:file://{Path.GetFullPath("abc.txt")}");

        Assert.That((wrap.ExitCode, fetch.ExitCode), Is.EqualTo((ExitCodes.Usage, ExitCodes.Usage)));
        Assert.That(wrap.Error, Does.StartWith("gvmi wrap: --output '").And.Contain("taken.gvmi' already exists"));
        Assert.That(fetch.Error, Does.StartWith("gvmi fetch: --output 'taken.gvmi' already exists"));
        Assert.That(File.ReadAllText("taken.gvmi"), Is.EqualTo("mine"));
    }

    [Test]
    public async Task DoubleDash_EndsOptions_SoAFileNamedLikeAnOptionIsHashed()
    {
        File.WriteAllText("--json", "abc");
        File.WriteAllText("-a", "abc");

        var (exitCode, output, error) = await RunAsync("hash", "--", "--json", "-a");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Is.EqualTo("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  --json\ne642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  -a\n"));
    }

    [Test]
    public async Task ResponseFileSyntax_IsAFileName()
    {
        File.WriteAllText("@list", "abc");

        var (exitCode, output, _) = await RunAsync("hash", "@list");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Is.EqualTo("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  @list\n"));
    }

    private static IEnumerable<TestCaseData> InterruptedCommands()
    {
        var hash = $"hash:sha3:{ImageHasher.HashData("abc"u8)}";
        string[][] lines =
        [
            ["hash", "abc.txt"],
            ["hash", "-a", "512", "abc.txt"],
            ["check", "sums"],
            ["package", SamplePath, "--url", "http://127.0.0.1:1/hello.gvmi"],
            ["inspect", SamplePath],
            ["resolve", "--tag", "golem/x:1", "--registry", "http://127.0.0.1:1/"],
            ["wrap", SamplePath, "-o", "new.gvmi"],
            ["serve", "--port", "0", SamplePath],
            ["fetch", "--cache", "cache", $"{hash}:http://127.0.0.1:1/abc"],
            ["cache", "list", "--cache", "cache"],
            ["cache", "verify", "--cache", "cache"],
            ["cache", "prune", "--cache", "cache", "--all"],
            ["completion", "bash"],
        ];
        return lines.Select(args => new TestCaseData((object)args).SetArgDisplayNames(string.Join(' ', args.Take(2))));
    }

    [TestCaseSource(nameof(InterruptedCommands))]
    [CancelAfter(30_000)]
    public async Task CtrlC_EveryCommand_ExitsOneHundredThirtyWithOneLine(string[] args)
    {
        File.WriteAllText("sums", $"{ImageHasher.HashData("abc"u8)}  abc.txt\n");
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();

        var (exitCode, _, error) = await CliRunner.RunAsync(AllCommands(), interrupted.Token, args);

        // One line says so, and it is the last (serve may have said what it was doing before).
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Canceled));
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Count(l => l.Contains("interrupted", StringComparison.Ordinal) || l.Contains("cancelled", StringComparison.Ordinal)), Is.EqualTo(1), error);
        Assert.That(lines[^1], Does.StartWith("gvmi " + args[0]).And.Contain("interrupted").Or.Contain("cancelled"));
        Assert.That(lines, Has.Length.EqualTo(args[0] == "serve" ? lines.Length : 1), error);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task CtrlC_RealProcessReadingStandardInput_ExitsOneHundredThirtyWithOneLine()
    {
        var gvmi = Path.Combine(TestContext.CurrentContext.TestDirectory, "gvmi.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { gvmi, "hash", "--progress", "always" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (error)
                {
                    error.Append(e.Data).Append('\n');
                }
            }
        };
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.WriteAsync("some bytes, then nothing: standard input stays open");
        await process.StandardInput.FlushAsync();

        // The progress line shows the command is running (so gvmi's own Ctrl-C handling is in place).
        var deadline = Stopwatch.StartNew();
        while (!Snapshot().Contains("hashing:", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(100);
        }

        Assert.That(Snapshot(), Does.Contain("hashing:"), "the command never started");
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await ProcessExit.WaitAfterSignalAsync(process, "SIGINT");
        Assert.That(process.ExitCode, Is.EqualTo(ExitCodes.Canceled));
        Assert.That(await output, Is.Empty);
        Assert.That(Snapshot(), Does.EndWith("gvmi hash: interrupted\n"));

        string Snapshot()
        {
            lock (error)
            {
                return error.ToString();
            }
        }
    }

    [Test]
    public async Task Help_ShowsTheExitCodeTable()
    {
        var (exitCode, output, _) = await RunAsync("--help");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("Exit codes:\n  0    success\n  1    an input could not be read or did not verify\n  2    usage"));
        Assert.That(output, Does.Contain("  130  interrupted (Ctrl-C)"));
        foreach (var (code, meaning) in ExitCodes.Table)
        {
            Assert.That(output, Does.Contain(meaning), code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Test]
    public async Task UnexpectedFailure_IsOneLineWithoutParameterNames()
    {
        var command = new Command("boom");
        command.SetAction(int (_) => throw new ArgumentOutOfRangeException("bitLength", 7, "The length 7 is not a SHA3 length."));

        var (exitCode, output, error) = await CliRunner.RunAsync(command, "boom");

        // An argument the library refuses is a usage error, as every command treats one.
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(error, Is.EqualTo("gvmi boom: The length 7 is not a SHA3 length.\nTry 'gvmi boom --help' for more information.\n"));
    }

    [TestCase("bash", "complete -o default -F _gvmi_complete gvmi")]
    [TestCase("zsh", "compdef _gvmi_complete gvmi")]
    [TestCase("fish", "complete -c gvmi")]
    [TestCase("pwsh", "Register-ArgumentCompleter -Native -CommandName gvmi")]
    public async Task Completion_EachShell_PrintsAScriptThatAsksGvmiForSuggestions(string shell, string registration)
    {
        var (exitCode, output, _) = await RunAsync("completion", shell);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain(registration).And.Contain("[suggest:"));
    }

    [Test]
    public async Task Completion_SuggestDirective_CompletesCommandsAndOptions()
    {
        var root = new RootCommand();
        foreach (var command in AllCommands())
        {
            root.Subcommands.Add(command);
        }

        using var output = new StringWriter();
        await Golem.VmImages.Cli.Invocation.CliInvocation.RunAsync(root, ["[suggest:12]", "gvmi hash --"], output, TextWriter.Null);
        using var commands = new StringWriter();
        await Golem.VmImages.Cli.Invocation.CliInvocation.RunAsync(root, ["[suggest:6]", "gvmi c"], commands, TextWriter.Null);

        Assert.That(output.ToString().Split(Environment.NewLine), Does.Contain("--tag").And.Contain("--algorithm"));
        Assert.That(commands.ToString().Split(Environment.NewLine), Does.Contain("cache").And.Contain("check").And.Contain("completion"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RealBashCompletion_CompletesASubcommand()
    {
        var gvmi = Path.Combine(TestContext.CurrentContext.TestDirectory, "gvmi.dll");
        File.WriteAllText("gvmi", $"#!/bin/sh\nexec dotnet '{gvmi}' \"$@\"\n");
        File.SetUnixFileMode("gvmi", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var script = "source <(gvmi completion bash)\nCOMP_LINE='gvmi cac'; COMP_POINT=8; COMP_WORDS=(gvmi cac); COMP_CWORD=1\n_gvmi_complete\necho \"${COMPREPLY[@]}\"\n";
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardInput = true };
        start.Environment["PATH"] = _directory + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.That(output.Trim(), Is.EqualTo("cache"));
    }
}
