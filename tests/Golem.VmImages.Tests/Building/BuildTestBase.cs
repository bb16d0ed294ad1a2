using Golem.VmImages.Building;

namespace Golem.VmImages.Tests.Building;

/// <summary>A scratch directory per test and a one-call build of synthetic layers.</summary>
public abstract class BuildTestBase
{
    protected string Scratch { get; private set; } = string.Empty;

    [SetUp]
    public void CreateScratch() => Scratch = Directory.CreateTempSubdirectory("gvmi-build-tests-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(Scratch, recursive: true);

    protected async Task<(GvmiBuildResult Result, ImageContent Content)> BuildLayersAsync(IReadOnlyList<byte[]> layers, GvmiBuildOptions? options = null, string? configJson = null)
    {
        var layout = TestImage.WriteLayout(Path.Combine(Scratch, "layout-" + Guid.NewGuid().ToString("N")[..6]), layers, configJson);
        var output = Path.Combine(Scratch, Guid.NewGuid().ToString("N")[..6] + ".gvmi");
        var result = await GvmiBuilder.BuildAsync(layout, output, options);
        return (result, ImageContent.Read(output));
    }

    protected string[] LeftoverTemporaryFiles() => Directory.GetFiles(Scratch, "*.tmp", SearchOption.AllDirectories);
}
