using System.Text.Json;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Registry.Push;
using Golem.VmImages.Tests.Registry.Push;

namespace Golem.VmImages.Tests.Cli;

/// <summary><c>gvmi push</c> against the in-process <see cref="FakeRegistry"/>.</summary>
[NonParallelizable]
public sealed class PushCommandTests
{
    private static readonly string[] Variables = [RegistryCredentials.UserNameVariable, RegistryCredentials.TokenVariable, PushCommand.RegistryVariable];

    private FakeRegistry _registry = null!;
    private string _directory = null!;
    private string _image = null!;
    private Dictionary<string, string?> _saved = null!;

    [SetUp]
    public async Task SetUp()
    {
        _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var variable in Variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        _registry = await FakeRegistry.StartAsync();
        _directory = Directory.CreateTempSubdirectory("gvmi-push-cli-").FullName;
        _image = await ImagePusherTests.CreateImageAsync(_directory, 600_000);
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var (variable, value) in _saved)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }

        await _registry.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Push_TaggedWithEnvironmentCredentials_PrintsHashUrlAndTaskPackageButNeverTheToken()
    {
        Environment.SetEnvironmentVariable(RegistryCredentials.UserNameVariable, _registry.User);
        Environment.SetEnvironmentVariable(RegistryCredentials.TokenVariable, _registry.Token);
        var hash = await ImageHasher.HashFileAsync(_image);

        var (exitCode, output, error) = await Run("push", _image, "--tag", "alice/app:v1", "--registry", _registry.BaseAddress.AbsoluteUri, "--allow-insecure", "--chunk-size", "131072");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
            Assert.That(output, Does.Contain($"Image hash:    {hash}"));
            Assert.That(output, Does.Contain("Tag:           alice/app:v1"));
            Assert.That(output, Does.Match($@"Download URL:  {_registry.BaseAddress.AbsoluteUri}download/[0-9a-f]{{64}}\n"));
            Assert.That(output, Does.Match($@"Task package:  hash:sha3:{hash}:{_registry.BaseAddress.AbsoluteUri}download/[0-9a-f]{{64}}\n"));
            Assert.That(output, Does.Contain("5 uploaded now"));
            Assert.That(output + error, Does.Not.Contain(_registry.Token));
            Assert.That(error, Does.Contain("gvmi push: uploading 5 chunk(s)"));
        });
    }

    [Test]
    public async Task Push_Json_PrintsTheResultForScripts()
    {
        var (exitCode, output, error) = await Run("push", _image, "--registry", _registry.BaseAddress.AbsoluteUri, "--json");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var hash = (await ImageHasher.HashFileAsync(_image)).ToString();
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("imageHash").GetString(), Is.EqualTo(hash));
            Assert.That(root.GetProperty("descriptorSha256").GetString(), Has.Length.EqualTo(64));
            Assert.That(root.GetProperty("chunkSize").GetInt64(), Is.EqualTo(2 << 20));
            Assert.That(root.GetProperty("chunks").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("tag").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(root.GetProperty("taskPackage").GetString(), Is.EqualTo($"hash:sha3:{hash}:{root.GetProperty("downloadUrl").GetString()}"));
            Assert.That(root.GetProperty("registryDownloadUrl").GetString(), Does.EndWith("/download/" + root.GetProperty("descriptorSha256").GetString()));
        });
    }

    [Test]
    public async Task Push_TokenFromFileAndRegistryFromEnvironment_Succeeds()
    {
        var tokenFile = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(tokenFile, _registry.Token + "\n");
        Environment.SetEnvironmentVariable(PushCommand.RegistryVariable, _registry.BaseAddress.AbsoluteUri);

        var (exitCode, output, error) = await Run("push", _image, "--tag", "alice/app", "--user", _registry.User, "--token-file", tokenFile, "--allow-insecure");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.Contain("Tag:           alice/app:latest"));
        Assert.That(_registry.Attachments.Last()["token"], Is.EqualTo(_registry.Token));
    }

    [Test]
    public async Task Push_TokenFromStandardInput_Succeeds()
    {
        var original = Console.In;
        Console.SetIn(new StringReader(_registry.Token + "\n"));
        try
        {
            var (exitCode, _, error) = await Run("push", _image, "--tag", "alice/app:v3", "--user", _registry.User, "--token-file", "-", "--registry", _registry.BaseAddress.AbsoluteUri, "--allow-insecure");

            Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
            Assert.That(_registry.Attachments.Last()["token"], Is.EqualTo(_registry.Token));
        }
        finally
        {
            Console.SetIn(original);
        }
    }

    [Test]
    public async Task Push_Login401_ExitsUnauthorizedWithoutPrintingTheToken()
    {
        Environment.SetEnvironmentVariable(RegistryCredentials.UserNameVariable, _registry.User);
        Environment.SetEnvironmentVariable(RegistryCredentials.TokenVariable, "wrong-token-value");

        var (exitCode, output, error) = await Run("push", _image, "--tag", "alice/app:v1", "--registry", _registry.BaseAddress.AbsoluteUri, "--allow-insecure");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ExitCodes.Unauthorized));
            Assert.That(error, Does.Contain("rejected the login").And.Contain("status 401"));
            Assert.That(output + error, Does.Not.Contain("wrong-token-value"));
        });
    }

    [Test]
    public async Task Push_TaggedOverPlainHttpWithoutAllowInsecure_IsRefused()
    {
        Environment.SetEnvironmentVariable(RegistryCredentials.UserNameVariable, _registry.User);
        Environment.SetEnvironmentVariable(RegistryCredentials.TokenVariable, _registry.Token);

        var (exitCode, _, error) = await Run("push", _image, "--tag", "alice/app:v1", "--registry", _registry.BaseAddress.AbsoluteUri);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("is plain http"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task Push_TaggedWithoutCredentials_IsAUsageError()
    {
        var (exitCode, _, error) = await Run("push", _image, "--tag", "alice/app:v1", "--registry", _registry.BaseAddress.AbsoluteUri, "--allow-insecure");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("needs a registry user name").And.Contain("REGISTRY_USER"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task Push_MissingTokenFile_IsNotFoundNamingIt()
    {
        var tokenFile = Path.Combine(_directory, "no-token");

        var (exitCode, _, error) = await Run("push", _image, "--tag", "alice/app:v1", "--user", "alice", "--token-file", tokenFile, "--registry", _registry.BaseAddress.AbsoluteUri, "--allow-insecure");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.NotFound));
        Assert.That(error, Is.EqualTo($"gvmi push: {tokenFile}: No such file or directory\n"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task Push_NotAGvmi_ExitsWithAClearError()
    {
        var path = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(path, "just some text, not an image");

        var (exitCode, _, error) = await Run("push", path, "--registry", _registry.BaseAddress.AbsoluteUri);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(error, Does.Contain($"'{path}' is not a valid .gvmi image"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task Push_TooManyChunks_SuggestsAChunkSize()
    {
        var (exitCode, _, error) = await Run("push", _image, "--registry", _registry.BaseAddress.AbsoluteUri, "--chunk-size", "256");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("the registry accepts at most 1000").And.Contain("expected a chunk size of at least 1048576 bytes").And.Contain("--chunk-size"));
        Assert.That(_registry.Log, Is.Empty);
    }

    [Test]
    public async Task Push_RegistryNeverCompletes_ExitsAfterTheWait()
    {
        _registry.PollsBeforeFull = int.MaxValue;

        var (exitCode, _, error) = await Run("push", _image, "--registry", _registry.BaseAddress.AbsoluteUri, "--wait", "0.2");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Network));
        Assert.That(error, Does.Contain("did not report image").And.Contain("Run the push again to resume"));
    }

    [Test]
    public async Task Push_Cancelled_ExitsCleanlyAndTheSameCommandResumes()
    {
        _registry.PollsBeforeFull = int.MaxValue;
        string[] args = ["push", _image, "--registry", _registry.BaseAddress.AbsoluteUri, "--chunk-size", "131072", "--wait", "600", "--cache", Path.Combine(_directory, "descriptors")];
        var root = new System.CommandLine.RootCommand { PushCommand.Create() };
        using var error = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var run = root.Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = TextWriter.Null, Error = error }, cancel.Token);
        while (_registry.ChunksAccepted.Count < 5 && !run.IsCompleted)
        {
            await Task.Delay(20);
        }

        await cancel.CancelAsync();
        var exitCode = await run;
        _registry.PollsBeforeFull = 0;
        var (again, output, againError) = await CliRunner.RunAsync(PushCommand.Create(), args);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ExitCodes.Canceled));
            Assert.That(error.ToString(), Does.Contain("cancelled; the registry keeps the chunks it stored, so the same command resumes"));
            Assert.That(again, Is.EqualTo(ExitCodes.Success), againError);
            Assert.That(output, Does.Contain("0 uploaded now"));
            Assert.That(output, Does.Contain("(remembered: the file is unchanged since it was hashed)"), "the resumed push does not hash the file again");
            Assert.That(againError, Does.Not.Contain("hashing"));
            Assert.That(_registry.ChunkRequestCount, Is.EqualTo(5));
        });
    }

    /// <summary>Runs <c>gvmi push</c> with its descriptor cache in the test's folder, never the user's.</summary>
    private Task<(int ExitCode, string Output, string Error)> Run(params string[] args) =>
        CliRunner.RunAsync(PushCommand.Create(), [.. args, "--cache", Path.Combine(_directory, "descriptors")]);
}
