using System.Text.Json;
using Golem.VmImages.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Cli;

public class InteropCommandsTests
{
    private static readonly string SamplePath = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");
    private const string SampleHash = "4d2273ca1a4405f0f58fb7e43721237bc19862f697685813e6413ca8";

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync([PackageCommand.Create(), InspectCommand.Create(), ResolveCommand.Create(), WrapCommand.Create()], args);

    [Test]
    public async Task Package_Sample_PrintsHashTaskPackageConstraintsAndSnippets()
    {
        var (exitCode, output, error) = await RunAsync("package", SamplePath, "--url", "http://127.0.0.1:8000/hello.gvmi", "--capability", "vpn", "--min-mem-gib", "1");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain($"Task package: hash:sha3:{SampleHash}:http://127.0.0.1:8000/hello.gvmi"));
        Assert.That(output, Does.Contain("(&(golem.inf.mem.gib>=1.0)\n\t(golem.inf.storage.gib>=2.0)\n\t(golem.inf.cpu.threads>=1)\n\t(golem.runtime.capabilities=vpn)\n\t(golem.runtime.name=vm))"));
        Assert.That(output, Does.Contain("    MinMemGib = 1,"));
        Assert.That(output, Does.Contain("    capabilities=[\"vpn\"],"));
        Assert.That(output, Does.Contain("    min_mem_gib=1.0,"));
    }

    [Test]
    public async Task Package_Json_HasPlainStringValues()
    {
        var (exitCode, output, _) = await RunAsync("package", SamplePath, "--url", "http://127.0.0.1:8000/hello.gvmi", "--json");

        Assert.That(exitCode, Is.Zero);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.That(root.GetProperty("taskPackage").GetString(), Is.EqualTo($"hash:sha3:{SampleHash}:http://127.0.0.1:8000/hello.gvmi"));
        Assert.That(root.GetProperty("packageFormat").GetString(), Is.EqualTo("gvmkit-squash"));
        Assert.That(root.GetProperty("constraints").GetString(), Does.StartWith("(&(golem.inf.mem.gib>=0.5)\n\t"));
        Assert.That(root.GetProperty("package").GetProperty("imageHash").GetString(), Is.EqualTo(SampleHash));
    }

    [Test]
    public async Task Package_UrlWithQuery_SnippetsHoldTheUrlAsWritten()
    {
        var (exitCode, output, error) = await RunAsync("package", SamplePath, "--url", "http://127.0.0.1:8000/hello.gvmi?a=1&b=<2>");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain(" new Uri(\"http://127.0.0.1:8000/hello.gvmi?a=1&b=<2>\"));"));
        Assert.That(output, Does.Contain(" image_url=\"http://127.0.0.1:8000/hello.gvmi?a=1&b=<2>\")"));
        Assert.That(output, Does.Contain(" imageUrl: \"http://127.0.0.1:8000/hello.gvmi?a=1&b=<2>\" } },"));
    }

    [Test]
    public async Task Inspect_Json_IsOneDocumentWithSizesAndConfig()
    {
        var (exitCode, output, error) = await RunAsync("inspect", SamplePath, "--json");

        Assert.That(exitCode, Is.Zero, error);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.That(root.GetProperty("squashfsLength").GetInt64(), Is.EqualTo(4096));
        Assert.That(root.GetProperty("fileLength").GetInt64(), Is.EqualTo(new FileInfo(SamplePath).Length));
        Assert.That(root.GetProperty("crcOk").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("config").GetProperty("Cmd")[1].GetString(), Is.EqualTo("/hello.txt"));
    }

    [Test]
    public async Task Wrap_NotSquashfs_FailsWithReasonAndWritesNothing()
    {
        var directory = Directory.CreateTempSubdirectory("gvmi-wrap-");
        try
        {
            var input = Path.Combine(directory.FullName, "in.bin");
            var output = Path.Combine(directory.FullName, "out.gvmi");
            await File.WriteAllTextAsync(input, "not squashfs");

            var (exitCode, _, error) = await RunAsync("wrap", input, "-o", output);

            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(error, Does.Contain("gvmi wrap: The squashfs input starts with bytes 6E6F7420; expected the squashfs magic 'hsqs'"));
            Assert.That(File.Exists(output), Is.False);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Package_BadUrl_IsAUsageErrorWithReason()
    {
        var (exitCode, _, error) = await RunAsync("package", SamplePath, "--url", "ftp://127.0.0.1/hello.gvmi");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--url 'ftp://127.0.0.1/hello.gvmi' is not an http or https URL").And.Not.Contain("(Parameter"));
    }

    [Test]
    public async Task Inspect_Sample_PrintsMetadata()
    {
        var (exitCode, output, _) = await RunAsync("inspect", SamplePath);

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("Cmd:          [\"/bin/cat\", \"/hello.txt\"]"));
        Assert.That(output, Does.Contain("(OK)"));
    }

    [Test]
    public async Task Inspect_CorruptTrailer_NonZeroExitAndReasonOnStderr()
    {
        var path = Path.GetTempFileName();
        try
        {
            var bytes = await File.ReadAllBytesAsync(SamplePath);
            bytes[^20] ^= 0x20;
            await File.WriteAllBytesAsync(path, bytes);

            var (exitCode, output, error) = await RunAsync("inspect", path);

            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.Contain("CRC-32"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Resolve_NeitherTagNorHash_Fails()
    {
        var (exitCode, _, error) = await RunAsync("resolve");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("Neither or both of --tag and --hash were given; expected exactly one of them."));
    }

    [Test]
    public async Task Resolve_TagAgainstLoopbackRegistry_PrintsTaskPackage()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/v1/image/info", (HttpContext context) =>
            context.Request.Query["tag"] == "golem/hello:1" && context.Request.Query["dev"] == "true"
                ? Results.Text($$"""{"http":"http://127.0.0.1/download/{{SampleHash}}","https":"https://127.0.0.1/download/{{SampleHash}}","sha3":"{{SampleHash}}","size":4231}""", "application/json")
                : Results.NotFound()));

        var (exitCode, output, error) = await RunAsync("resolve", "--tag", "golem/hello:1", "--registry", server.BaseAddress.ToString(), "--https", "--dev");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain($"Task package: hash:sha3:{SampleHash}:https://127.0.0.1/download/{SampleHash}"));
        Assert.That(output, Does.Contain("Size:         4.1 KiB (4231 bytes)"));
    }
}
