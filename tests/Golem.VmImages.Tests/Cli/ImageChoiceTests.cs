using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Versioning;
using Golem.VmImages.Tests.Building;
using Golem.VmImages.Tests.Repository;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// The native tool's choice of image (<c>src/Golem.VmImages.Cli/native/choose-image.c</c>), linked here into a small
/// stand-in for the portable image, beside stand-in <c>-avx512</c> and <c>-avx2</c> images that report which one ran
/// and with what. The CPU check is held against the JIT's own detection of the same features; .ci/smoke-test checks
/// the installed native package the same way through <c>/proc/PID/exe</c>.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ImageChoiceTests
{
    private static readonly string[] RuntimeSettings =
        ["EnableHWIntrinsic", "EnableAVX", "EnableAVX2", "EnableAVX512"];

    private string directory = null!;
    private string entryPoint = null!;

    private static string BestImage =>
        HasX86_64V4() ? "avx512" : HasX86_64V3() ? "avx2" : "portable";

    private static string BestImageWithoutAvx512 => HasX86_64V3() ? "avx2" : "portable";

    [OneTimeSetUp]
    public void LinkTheStandIns()
    {
        if (!X86Base.X64.IsSupported)
        {
            Assert.Ignore("The image choice is part of the linux-x64 native tool only.");
        }

        foreach (var setting in RuntimeSettings)
        {
            if (Environment.GetEnvironmentVariable("DOTNET_" + setting) is not null
                || Environment.GetEnvironmentVariable("COMPlus_" + setting) is not null)
            {
                Assert.Ignore($"This test run sets {setting}, so the JIT's view of the CPU is not the CPU's.");
            }
        }

        directory = Directory.CreateTempSubdirectory("gvmi-image-choice-").FullName;
        var source = Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "src", "Golem.VmImages.Cli", "native", "choose-image.c");
        var main = Path.Combine(directory, "main.c");
        File.WriteAllText(main, """
            #include <stdio.h>
            #include <unistd.h>
            int main(int argc, char **argv)
            {
                printf("portable %d\n", (int)getpid());
                for (int i = 1; i < argc; i++) printf("%s\n", argv[i]);
                return 0;
            }
            """);
        entryPoint = Path.Combine(directory, "gvmi");

        // The flags of the CLI project's CompileImageChoice target, and a position-independent executable like the tool.
        ExternalTool.Run("clang", "-O2", "-fPIC", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror", "-pie",
            source, main, "-o", entryPoint);
        WriteImage("avx512");
        WriteImage("avx2");
    }

    [OneTimeTearDown]
    public void DeleteTheStandIns()
    {
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SetUp]
    public void RestoreTheStandIns()
    {
        WriteImage("avx512");
        WriteImage("avx2");
    }

    [Test]
    public void Start_OnThisCpu_ExecsTheBestImageWithTheSameArgumentsAndProcess()
    {
        var (image, processId, pid, arguments) = Start([], "hash", "a file.gvmi", string.Empty, "--", "ünïcode");

        Assert.Multiple(() =>
        {
            Assert.That(image, Is.EqualTo(BestImage));
            Assert.That(pid, Is.EqualTo(processId), "the image replaces the process (exec), it does not start a child");
            Assert.That(arguments, Is.EqualTo(new[] { "hash", "a file.gvmi", string.Empty, "--", "ünïcode" }));
        });
    }

    [TestCase("DOTNET_EnableAVX512", "0")]
    [TestCase("DOTNET_EnableAVX512", "00")]
    [TestCase("COMPlus_EnableAVX512", "0")]
    public void Start_WithAvx512SwitchedOff_ExecsTheAvx2Image(string variable, string value)
    {
        Assert.That(Start([(variable, value)]).Image, Is.EqualTo(BestImageWithoutAvx512));
    }

    [Test]
    public void Start_WithDotnetSettingOverridingComPlus_ReadsTheDotnetOne()
    {
        Assert.That(Start([("DOTNET_EnableAVX512", "1"), ("COMPlus_EnableAVX512", "0")]).Image, Is.EqualTo(BestImage));
    }

    [TestCase("DOTNET_EnableAVX512", "")]
    [TestCase("DOTNET_EnableAVX512", "off")]
    [TestCase("DOTNET_EnableAVX512", "1")]
    public void Start_WithASettingThatIsNotZero_KeepsAvx512(string variable, string value)
    {
        Assert.That(Start([(variable, value)]).Image, Is.EqualTo(BestImage));
    }

    [TestCase("DOTNET_EnableHWIntrinsic")]
    [TestCase("DOTNET_EnableAVX")]
    [TestCase("DOTNET_EnableAVX2")]
    [TestCase("COMPlus_EnableHWIntrinsic")]
    public void Start_WithAvx2SwitchedOff_StaysInThePortableImage(string variable)
    {
        Assert.That(Start([(variable, "0")]).Image, Is.EqualTo("portable"));
    }

    [Test]
    public void Start_WithoutTheAvx512Image_ExecsTheAvx2Image()
    {
        File.Delete(entryPoint + "-avx512");
        Assert.That(Start([]).Image, Is.EqualTo(BestImageWithoutAvx512));
    }

    [Test]
    public void Start_WithImagesThatCannotRun_StaysInThePortableImage()
    {
        File.SetUnixFileMode(entryPoint + "-avx512", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Delete(entryPoint + "-avx2");
        var (image, _, _, arguments) = Start([], "--version");

        Assert.Multiple(() =>
        {
            Assert.That(image, Is.EqualTo("portable"));
            Assert.That(arguments, Is.EqualTo(new[] { "--version" }));
        });
    }

    [Test]
    public void Start_UnderASpecialisedName_DoesNotChooseAgain()
    {
        var renamed = Path.Combine(directory, "copy-avx2");
        File.Copy(entryPoint, renamed, overwrite: true);
        File.WriteAllText(renamed + "-avx512", "#!/bin/sh\necho avx512 $$\n");
        File.SetUnixFileMode(renamed + "-avx512", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.That(StartAs(renamed, [], []).Image, Is.EqualTo("portable"));
    }

    private static bool HasX86_64V3() =>
        Avx2.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Lzcnt.IsSupported && Fma.IsSupported
        && Sse42.IsSupported && Popcnt.IsSupported;

    private static bool HasX86_64V4() =>
        HasX86_64V3() && Avx512F.VL.IsSupported && Avx512BW.VL.IsSupported && Avx512CD.VL.IsSupported
        && Avx512DQ.VL.IsSupported;

    private void WriteImage(string suffix)
    {
        var path = $"{entryPoint}-{suffix}";
        File.WriteAllText(path, $"#!/bin/sh\necho {suffix} $$\nfor argument in \"$@\"; do printf '%s\\n' \"$argument\"; done\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private (string Image, int ProcessId, int ReportedProcessId, string[] Arguments) Start(
        (string Name, string Value)[] environment, params string[] arguments) =>
        StartAs(entryPoint, environment, arguments);

    private static (string Image, int ProcessId, int ReportedProcessId, string[] Arguments) StartAs(
        string executable, (string Name, string Value)[] environment, string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n')[..^1];
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero);
        var first = lines[0].Split(' ');
        return (first[0], process.Id, int.Parse(first[1], CultureInfo.InvariantCulture), lines[1..]);
    }
}
