using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Golem.VmImages.Tests.Repository;

/// <summary>The samples run as a user runs them (their built programs), and what they print is true.</summary>
[CancelAfter(120_000)]
public sealed partial class SampleOutputTests
{
    private static readonly string SampleImagePath = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");

    [Test]
    public async Task Requestor_RegistryAnswer_PrintsTheImagesRealSize(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunSampleAsync("Requestor", cancellationToken);

        Assert.That(exitCode, Is.Zero, output);
        var printed = RegistrySize().Match(output);
        Assert.That(printed.Success, Is.True, output);
        Assert.That(long.Parse(printed.Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(new FileInfo(SampleImagePath).Length));
    }

    [Test]
    public async Task Provider_WrongHash_IsReportedOnce(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunSampleAsync("Provider", cancellationToken);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(Regex.Count(output, ImageHash.OfEmptyInput.ToString()), Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("refused as expected: "));
    }

    /// <summary>Runs a sample's program, built beside this test assembly in the same configuration.</summary>
    private static async Task<(int ExitCode, string Output)> RunSampleAsync(string name, CancellationToken cancellationToken)
    {
        var configuration = new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name;
        var program = Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "samples", name, "bin", configuration, "net10.0", name + ".dll");
        Assert.That(program, Does.Exist, "the sample is built with the solution");
        var start = new ProcessStartInfo("dotnet", [program]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"== 3\. from the registry \((?<size>\d+) bytes\)")]
    private static partial Regex RegistrySize();
}
