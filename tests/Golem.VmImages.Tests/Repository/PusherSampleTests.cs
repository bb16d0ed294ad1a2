using System.Diagnostics;
using Golem.VmImages.Registry.Push;
using Golem.VmImages.Tests.Registry.Push;

namespace Golem.VmImages.Tests.Repository;

/// <summary>samples/Pusher, run as its own process, pushes the sample image to the in-process fake registry.</summary>
public sealed class PusherSampleTests
{
    private FakeRegistry _registry = null!;
    private string _home = null!;

    [SetUp]
    public async Task SetUp()
    {
        _registry = await FakeRegistry.StartAsync();
        _registry.PollsBeforeFull = 0;
        _home = Directory.CreateTempSubdirectory("gvmi-pusher-sample-").FullName;
    }

    [TearDown]
    public async Task TearDown()
    {
        await _registry.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Test]
    public async Task PusherSample_Tagged_UploadsTheSampleImage_ThenResumesWithoutRehashingOrSending()
    {
        var image = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi");
        var bytes = await File.ReadAllBytesAsync(image);
        var hash = await ImageHasher.HashFileAsync(image);

        var (firstExit, first, firstError) = await RunAsync(_registry.BaseAddress.AbsoluteUri, image, "alice/app:hello");
        var (againExit, again, againError) = await RunAsync(_registry.BaseAddress.AbsoluteUri, image, "alice/app:hello");

        var descriptor = await ImageDescriptor.ComputeAsync(image);
        Assert.Multiple(() =>
        {
            Assert.That(firstExit, Is.Zero, firstError);
            Assert.That(first, Does.Contain($"Image hash:   {hash}"));
            Assert.That(first, Does.Contain($"Chunks sent:  1 of 1\n"));
            Assert.That(first, Does.Contain($"Task package: hash:sha3:{hash}:{_registry.BaseAddress.AbsoluteUri}download/{descriptor.Sha256}"));
            Assert.That(_registry.Assembled(descriptor.Sha256)?.SequenceEqual(bytes), Is.True, "the registry assembled the sample image");
            Assert.That(_registry.Attachments.Select(a => a.GetValueOrDefault("tag")), Has.Some.EqualTo("hello"));
            Assert.That(firstError + againError, Does.Not.Contain(_registry.Token));
            Assert.That(againExit, Is.Zero, againError);
            Assert.That(again, Does.Contain("Chunks sent:  0 of 1 (descriptor remembered, file not re-read)"));
            Assert.That(Directory.GetFiles(Path.Combine(_home, "golem-vmimages", "descriptors")), Has.Length.EqualTo(1), "the descriptor is kept where gvmi keeps its cache");
        });
    }

    [Test]
    public async Task PusherSample_WithoutARegistry_PrintsItsUsage()
    {
        var (exitCode, _, error) = await RunAsync();

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("Usage: dotnet run --project samples/Pusher REGISTRY-URL"));
    }

    /// <summary>The sample from its own build output (the test project builds it first), with the library's dependencies beside it.</summary>
    private static string SamplePath()
    {
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var path = Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "samples", "Pusher", "bin", testDirectory.Parent!.Name, testDirectory.Name, "Pusher.dll");
        Assert.That(path, Does.Exist, "the test project builds samples/Pusher before the tests");
        return path;
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SamplePath());
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        // The sample keeps descriptors in the user's data directory: here, the test's own folder.
        start.Environment["XDG_DATA_HOME"] = _home;
        start.Environment[RegistryCredentials.UserNameVariable] = _registry.User;
        start.Environment[RegistryCredentials.TokenVariable] = _registry.Token;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await output).ReplaceLineEndings("\n"), await error);
    }
}
