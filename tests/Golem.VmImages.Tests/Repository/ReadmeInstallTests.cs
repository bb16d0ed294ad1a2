using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Golem.VmImages.Tests.Repository;

/// <summary>
/// The README's install commands, taken from README.md and run against what they really pack, in a temporary folder:
/// the solution's packages, the framework-dependent tool, the tool installed from them and the library added to a new
/// project, which then runs. What would change the machine is pointed at the temporary folder (a tool path instead of
/// <c>--global</c>, a config file beside the project instead of the user's); the Native AOT packages take minutes and
/// are left to .ci/smoke-test, so the framework-dependent tool package is the one installed.
/// </summary>
[NonParallelizable]
[CancelAfter(600_000)]
public sealed partial class ReadmeInstallTests
{
    private string _root = null!;

    [SetUp]
    public void CreateFolder() => _root = Directory.CreateTempSubdirectory("gvmi-readme-install-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task ReadmeInstall_PackThenInstallToolAndLibrary_BothWork(CancellationToken cancellationToken)
    {
        var repository = ReadmeSnippetTests.RepositoryRoot();
        var commands = InstallCommands(File.ReadAllText(Path.Combine(repository, "README.md")));
        var packages = Path.Combine(_root, "packages");
        string Local(string command) => command.Replace("./packages", packages, StringComparison.Ordinal).Replace("$PWD/packages", packages, StringComparison.Ordinal);

        var packSolution = commands.Single(c => c.StartsWith("dotnet pack Golem.VmImages.sln ", StringComparison.Ordinal));
        Assert.That(commands, Has.One.Match(@"^dotnet pack src/Golem\.VmImages\.Cli .*-r linux-x64"), "the native tool package");
        var packAny = commands.Single(c => c.StartsWith("dotnet pack src/Golem.VmImages.Cli ", StringComparison.Ordinal) && c.Contains(" -r any ", StringComparison.Ordinal));
        var addSource = commands.Single(c => c.StartsWith("dotnet nuget add source ", StringComparison.Ordinal));
        var installTool = commands.Single(c => c.StartsWith("dotnet tool install ", StringComparison.Ordinal));
        var addPackage = commands.Single(c => c.StartsWith("dotnet add package Golem.VmImages", StringComparison.Ordinal));

        // The solution is built already (the tests run from it), so its packages need no second build.
        await RunAsync(repository, Local(packSolution) + " --no-build", cancellationToken);
        await RunAsync(repository, Local(packAny), cancellationToken);
        var packed = Directory.GetFiles(packages, "*.nupkg").Select(Path.GetFileName).ToList();
        Assert.That(packed, Has.Some.Match(@"^Golem\.VmImages\.\d[^a-z]*\.nupkg$").And.Some.Match(@"^Golem\.VmImages\.Cli\.\d[^a-z]*\.nupkg$").And.Some.Match(@"^Golem\.VmImages\.Cli\.any\.\d[^a-z]*\.nupkg$"));

        File.WriteAllText(Path.Combine(_root, "NuGet.Config"), "<configuration />\n");
        await RunAsync(_root, Local(addSource) + $" --configfile {Path.Combine(_root, "NuGet.Config")}", cancellationToken);

        var tools = Path.Combine(_root, "tools");
        await RunAsync(_root, Local(installTool).Replace("--global", "--tool-path " + tools, StringComparison.Ordinal).Replace(" Golem.VmImages.Cli ", " Golem.VmImages.Cli.any ", StringComparison.Ordinal), cancellationToken);
        var sample = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");
        var hashed = await RunAsync(_root, $"{Path.Combine(tools, "gvmi")} hash {sample}", cancellationToken);
        Assert.That(hashed, Does.StartWith(ImageHasher.HashData(File.ReadAllBytes(sample)) + "  "));

        var project = Path.Combine(_root, "app");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), "System.Console.WriteLine(Golem.VmImages.ImageHasher.HashData(\"abc\"u8));\n");
        await RunAsync(project, Local(addPackage), cancellationToken);
        Assert.That(await RunAsync(project, "dotnet run", cancellationToken), Does.EndWith(ImageHasher.HashData("abc"u8) + "\n"));
    }

    /// <summary>The commands of the first shell block under "## Install", without their comments.</summary>
    internal static List<string> InstallCommands(string readme)
    {
        var section = readme[readme.IndexOf("\n## Install\n", StringComparison.Ordinal)..];
        var block = ShellBlock().Match(section);
        Assert.That(block.Success, Is.True, "README.md has an Install section with a bash block");
        return block.Groups["body"].Value.Split('\n')
            .Select(line => (line.Contains(" # ", StringComparison.Ordinal) ? line[..line.IndexOf(" # ", StringComparison.Ordinal)] : line).Trim())
            .Where(line => line.Length > 0)
            .ToList();
    }

    /// <summary>
    /// Runs one command line (split at spaces, a quoted word kept whole) and returns its standard output. Once the
    /// packages are made, commands run with an empty package cache, as on a user's machine, so nothing is found that
    /// the sources they name cannot give.
    /// </summary>
    private async Task<string> RunAsync(string directory, string commandLine, CancellationToken cancellationToken)
    {
        var words = Words().Matches(commandLine).Select(m => m.Value.Trim('"')).ToList();
        var start = new ProcessStartInfo(words[0], words.Skip(1)) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Directory.Exists(Path.Combine(_root, "packages")) && !commandLine.StartsWith("dotnet pack ", StringComparison.Ordinal))
        {
            start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "nuget");
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.That(process.ExitCode, Is.Zero, $"{commandLine}\n{await output}{await error}");
        return await output;
    }

    [GeneratedRegex(@"```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"""[^""]*""|\S+")]
    private static partial Regex Words();
}
