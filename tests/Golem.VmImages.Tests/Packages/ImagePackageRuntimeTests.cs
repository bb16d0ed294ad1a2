using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Tests.Cli;

namespace Golem.VmImages.Tests.Packages;

public class ImagePackageRuntimeTests
{
    private static readonly ImagePackage Package = new(ImageHash.Parse("4d2273ca1a4405f0f58fb7e43721237bc19862f697685813e6413ca8"), new Uri("http://127.0.0.1:8000/a.gvmi?x=1&y=<2>"));

    [Test]
    public void Runtime_Default_IsVm()
    {
        Assert.That(Package.Runtime, Is.EqualTo(ImageRuntimes.Vm));
        Assert.That(Package.ToDemand().Constraints, Does.EndWith("\t(golem.runtime.name=vm))"));
    }

    [Test]
    public void Runtime_VmNvidia_IsTheRuntimeConstraintAndRoundTripsThroughJson()
    {
        var gpu = Package with { Runtime = ImageRuntimes.VmNvidia };

        Assert.That(gpu.ToDemand().Constraints, Does.EndWith("\t(golem.runtime.name=vm-nvidia))"));
        Assert.That(ImagePackage.FromJson(gpu.ToJson()), Is.EqualTo(gpu));
        Assert.That(gpu, Is.Not.EqualTo(Package));
    }

    [TestCase("")]
    [TestCase("vm)(x=1")]
    [TestCase("vm nvidia")]
    public void Runtime_NotAPlainName_ThrowsArgumentException(string runtime)
    {
        Assert.That(() => Package with { Runtime = runtime }, Throws.ArgumentException.With.Message.Contains("is not a plain name"));
    }

    [Test]
    public void ToJson_UrlWithAmpersandAndAngleBrackets_IsWrittenAsIs()
    {
        Assert.That(Package.ToJson(), Does.Contain("\"imageUrl\": \"http://127.0.0.1:8000/a.gvmi?x=1&y=<2>\"").And.Not.Contain("\\u0026"));
        Assert.That(Package.ToDemand().ToJson(), Does.Contain("a.gvmi?x=1&y=<2>").And.Not.Contain("\\u003E"));
    }

    [Test]
    public async Task PackageCommand_RuntimeVmNvidia_InDemandAndSnippets()
    {
        var sample = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");

        var (exitCode, output, error) = await CliRunner.RunAsync(PackageCommand.Create(), "package", sample, "--url", "http://127.0.0.1:8000/hello.gvmi", "--runtime", "vm-nvidia");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain("(golem.runtime.name=vm-nvidia))").And.Contain("    Runtime = ImageRuntimes.VmNvidia,"));
    }
}
