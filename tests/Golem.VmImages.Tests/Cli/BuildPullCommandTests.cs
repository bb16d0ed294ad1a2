using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Tests.Building;
using Golem.VmImages.Tests.Oci;

namespace Golem.VmImages.Tests.Cli;

/// <summary><c>gvmi build NAME</c> against docker-registry with htpasswd auth: credentials from the auth file, the pinned reference, and the exit codes of registry failures.</summary>
[SupportedOSPlatform("linux")]
[NonParallelizable]
public sealed class BuildPullCommandTests : BuildTestBase
{
    [Test]
    public async Task Build_RegistryName_PrintsManifestAndPinnedReferenceAndMapsFailuresToExitCodes()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"), RegistryAuth.Htpasswd);
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [RegistryFixtures.Layer("opt/a.bin", 50_000, 7)], gzip: true), "latest", "test/app", "1");
        var authFile = Path.Combine(Scratch, "auth.json");
        var saved = (Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE"), Environment.GetEnvironmentVariable("DOCKER_CONFIG"));
        Environment.SetEnvironmentVariable("REGISTRY_AUTH_FILE", authFile);
        Environment.SetEnvironmentVariable("DOCKER_CONFIG", Directory.CreateDirectory(Path.Combine(Scratch, "docker")).FullName);
        try
        {
            var cache = Path.Combine(Scratch, "cache");
            var anonymous = await Run(registry.Host + "/test/app:1", "anonymous.gvmi");
            Assert.That(anonymous.ExitCode, Is.EqualTo(7), anonymous.Error);
            Assert.That(anonymous.Error, Does.StartWith("gvmi build: ").And.Contain("needs credentials"));

            var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(DockerRegistry.User + ":" + DockerRegistry.Password));
            File.WriteAllText(authFile, "{\"auths\":{\"" + registry.Host + "\":{\"auth\":\"" + encoded + "\"}}}");
            var built = await Run(registry.Host + "/test/app:1", "app.gvmi");
            Assert.That(built.ExitCode, Is.Zero, built.Error);
            Assert.That(built.Output, Does.Contain("Built " + registry.Host + "/test/app:1 = manifest sha256:").And.Contain("Pinned: gvmi build " + registry.Host + "/test/app@sha256:"));

            var pinnedName = built.Output.Split('\n').Single(l => l.StartsWith("Pinned: ", StringComparison.Ordinal)).Split(' ')[3];
            var json = await Run("docker://" + pinnedName, "pinned.gvmi", "--json");
            Assert.That(json.ExitCode, Is.Zero, json.Error);
            using var document = JsonDocument.Parse(json.Output);
            Assert.That(document.RootElement.GetProperty("pinnedReference").GetString(), Is.EqualTo(pinnedName));
            Assert.That(document.RootElement.GetProperty("imageHash").GetString(), Is.EqualTo(built.Output.Split(' ')[0]));
            Assert.That(json.Output + json.Error + built.Output + built.Error, Does.Not.Contain(DockerRegistry.Password));

            var unknown = await Run(registry.Host + "/test/app:2", "unknown.gvmi");
            Assert.That(unknown.ExitCode, Is.EqualTo(4), unknown.Error);

            await using (var proxy = await FaultProxy.StartAsync(registry.Host, flipByte: true))
            {
                File.WriteAllText(authFile, "{\"auths\":{\"" + proxy.Host + "\":{\"auth\":\"" + encoded + "\"}}}");
                var flipped = await Run(proxy.Host + "/test/app:1", "flipped.gvmi", "--cache", Path.Combine(Scratch, "cache-flipped"));
                Assert.That(flipped.ExitCode, Is.EqualTo(3), flipped.Error);
            }

            var closedPort = registry.Host.Split(':')[0] + ":9";
            var unreachable = await Run(closedPort + "/test/app:1", "unreachable.gvmi", "--attempts", "1");
            Assert.That(unreachable.ExitCode, Is.EqualTo(5), unreachable.Error);
            Assert.That(unreachable.Error, Does.Contain("could not be reached"));

            var malformed = await Run("docker://Bad/Name", "bad.gvmi");
            Assert.That(malformed.ExitCode, Is.EqualTo(2), malformed.Error);

            async Task<(int ExitCode, string Output, string Error)> Run(string source, string output, params string[] extra) =>
                await CliRunner.RunAsync(BuildCommand.Create(), ["build", source, "-o", Path.Combine(Scratch, output), .. extra.Contains("--cache") ? extra : [.. extra, "--cache", cache]]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("REGISTRY_AUTH_FILE", saved.Item1);
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", saved.Item2);
        }
    }

    [Test]
    public async Task Build_HttpsRegistryWithATestCa_PullsWithCaFileAndRefusesTheCertificateWithout()
    {
        await using var registry = await DockerRegistry.StartAsync(Path.Combine(Scratch, "registry"), https: true);
        registry.Push(TestImage.WriteLayout(Path.Combine(Scratch, "layout"), [RegistryFixtures.Layer("opt/a.bin", 50_000, 7)], gzip: true), "latest", "test/app", "1");
        var badCa = Path.Combine(Scratch, "bad.pem");
        await File.WriteAllTextAsync(badCa, "not a certificate\n");

        var trusted = await Run("app.gvmi", "--ca-file", registry.CaFile!);
        var untrusted = await Run("untrusted.gvmi");
        var unusable = await Run("unusable.gvmi", "--ca-file", badCa);

        Assert.That(trusted.ExitCode, Is.Zero, trusted.Error);
        Assert.That(untrusted.ExitCode, Is.EqualTo(5), untrusted.Error);
        Assert.That(untrusted.Error, Does.StartWith("gvmi build: ").And.Contain("TLS"), "a loopback registry that speaks TLS is not retried over plain http");
        Assert.That(unusable.ExitCode, Is.EqualTo(5), unusable.Error);
        Assert.That(unusable.Error, Does.Contain($"The CA file '{badCa}' cannot be used (no PEM certificate found)"));
        Assert.That(File.Exists(Path.Combine(Scratch, "untrusted.gvmi")) || File.Exists(Path.Combine(Scratch, "unusable.gvmi")), Is.False);

        async Task<(int ExitCode, string Output, string Error)> Run(string output, params string[] extra) =>
            await CliRunner.RunAsync(BuildCommand.Create(), ["build", registry.Host + "/test/app:1", "-o", Path.Combine(Scratch, output), "--cache", Path.Combine(Scratch, "cache-" + output), "--attempts", "1", .. extra]);
    }
}
