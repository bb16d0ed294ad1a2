using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Cli.Serving;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary>How <c>gvmi serve</c> starts: one-line errors with exit codes, the addresses it binds and the URLs it advertises, TLS.</summary>
[CancelAfter(90_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ServeStartupTests
{
    private string _directory = null!;
    private ImageHash _hash;

    [SetUp]
    public async Task CreateImage()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-serve-start-").FullName;
        var content = new byte[50_000];
        new Random(17).NextBytes(content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "app.gvmi"), content);
        _hash = ImageHasher.HashData(content);
    }

    [TearDown]
    public void DeleteImage()
    {
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_101);
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task PortInUse_OneLineErrorAndFailureExit()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(output, Is.Empty);
        Assert.That(ErrorLines(error), Has.Exactly(1).Items);
        Assert.That(ErrorLines(error)[^1], Does.StartWith($"gvmi serve: cannot listen on 127.0.0.1:{port}: ").And.Contain("in use"));
    }

    [TestCase("70000")]
    [TestCase("-1")]
    public async Task PortOutOfRange_OneLineErrorAndUsageExit(string port)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--port", port);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { $"gvmi serve: --port {port} is out of range; expected 0 (any free port) to 65535." }));
    }

    [TestCase("images.example")]
    [TestCase("256.1.1.1")]
    [TestCase("")]
    public async Task UnknownBindAddress_OneLineErrorAndUsageExit(string bind)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--bind", bind, "--port", "0");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { ServeMessages.Line(ServeMessages.UnknownBindAddress(bind)) }));
    }

    [Test]
    public async Task MissingPath_OneLineErrorAndFailureExit()
    {
        var missing = Path.Combine(_directory, "nope");
        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", missing, "--port", "0");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { $"gvmi serve: cannot serve '{missing}': no such file or folder." }));
    }

    [Test]
    public async Task BadPublicUrl_OneLineErrorAndUsageExit()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--port", "0", "--public-url", "images.example.org/golem");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { ServeMessages.Line(ServeMessages.BadPublicUrl("images.example.org/golem")) }));
    }

    [Test]
    public async Task UnreadableFolder_OneLineErrorAndFailureExit()
    {
        var locked = Directory.CreateDirectory(Path.Combine(_directory, "locked")).FullName;
        File.SetUnixFileMode(locked, UnixFileMode.None);

        // As root the permission bits do not apply; dropping the capabilities that bypass them makes the folder unreadable.
        var wrapper = Environment.UserName == "root" ? new[] { "setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--" } : null;
        using var serve = GvmiServeProcess.Start([locked, "--port", "0"], wrapper);
        var (exitCode, error) = await serve.WaitForExitAsync(TimeSpan.FromSeconds(60));
        File.SetUnixFileMode(locked, (UnixFileMode)0b111_000_000);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { $"gvmi serve: cannot serve the folder '{locked}': Permission denied." }));
    }

    [Test]
    public async Task BindLocalhost_ListensOnBothLoopbacksAndAdvertisesLocalhost()
    {
        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Bind = ["localhost"], Port = 0 });

        Assert.That(serve.Server.ListenAddresses.Select(a => a.Host), Is.EquivalentTo(new[] { "127.0.0.1", "[::1]" }));
        Assert.That(serve.Server.ListenAddresses.Select(a => a.Port).Distinct().Count(), Is.EqualTo(1), "one port for both");
        Assert.That(serve.Server.BaseAddress, Is.EqualTo(new Uri($"http://localhost:{serve.Listening.Port}/")));
        using var client = new HttpClient();
        foreach (var address in serve.Server.ListenAddresses)
        {
            Assert.That(ImageHasher.HashData(await client.GetByteArrayAsync(new Uri(address, "app.gvmi"))), Is.EqualTo(_hash), address.ToString());
        }
    }

    [TestCase("::1")]
    [TestCase("[::1]")]
    public async Task BindIPv6Loopback_ServesAndAdvertisesTheBracketedAddress(string bind)
    {
        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Bind = [bind], Port = 0 });
        using var client = new HttpClient();

        Assert.That(serve.Server.BaseAddress, Is.EqualTo(new Uri($"http://[::1]:{serve.Listening.Port}/")));
        Assert.That(ImageHasher.HashData(await client.GetByteArrayAsync(new Uri(serve.Server.BaseAddress, "app.gvmi"))), Is.EqualTo(_hash));
    }

    [Test]
    public async Task BindAnyWithoutPublicUrl_ServesOnLoopbackAndWarnsThatTheUrlsAreUnusable()
    {
        await using var serve = await ServeHarness.StartAsync([_directory], new ServeOptions { Bind = ["0.0.0.0"], Port = 0 });
        using var client = new HttpClient();

        var body = await client.GetByteArrayAsync($"http://127.0.0.1:{serve.Listening.Port}/app.gvmi");
        Assert.That(ImageHasher.HashData(body), Is.EqualTo(_hash));
        Assert.That(serve.Errors.Lines, Has.Some.Contains("listening on every interface").And.Contains("--public-url"));
    }

    [Test]
    public async Task PublicUrl_IndexAndListingAdvertiseItBehindAProxy()
    {
        using var cancel = new CancellationTokenSource();
        var output = new LineWriter();
        var error = new LineWriter();
        var options = new ServeOptions { Bind = ["0.0.0.0"], Port = 0, PublicUrl = new Uri("https://images.example.org/golem") };
        var run = ServeCommand.RunAsync([_directory], options.PublicUrl.OriginalString, options, output, error, cancel.Token);
        await ServeHarness.WaitForAsync(() => output.Lines.Length >= 2);

        var listing = output.Lines;
        Assert.That(listing[0], Does.StartWith("Serving 1 image(s) at https://images.example.org/golem/ (listening on http://0.0.0.0:"));
        Assert.That(listing[1], Is.EqualTo($"  hash:sha3:{_hash}:https://images.example.org/golem/app.gvmi"));
        Assert.That(error.Lines, Has.None.Contains("every interface"));
        var port = int.Parse(listing[0].Split("http://0.0.0.0:")[1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture);
        using var client = new HttpClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{port}/?format=json"));
        Assert.That(document.RootElement.GetProperty("images")[0].GetProperty("url").GetString(), Is.EqualTo("https://images.example.org/golem/app.gvmi"));

        await cancel.CancelAsync();
        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
    }

    [Test]
    public async Task Tls_SelfSignedPem_ServesHttpsAndAdvertisesHttps()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_directory, "cert.pem");
        var keyPath = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var serve = await ServeHarness.StartAsync([Path.Combine(_directory, "app.gvmi")], new ServeOptions { Port = 0, TlsCertificatePath = certificatePath, TlsKeyPath = keyPath });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint };
        using var client = new HttpClient(handler);

        Assert.That(serve.Server.BaseAddress.Scheme, Is.EqualTo("https"));
        Assert.That(ImageHasher.HashData(await client.GetByteArrayAsync(new Uri(serve.Server.BaseAddress, "app.gvmi"))), Is.EqualTo(_hash));
        Assert.That(await client.GetStringAsync(serve.Server.BaseAddress), Does.Contain($"hash:sha3:{_hash}:https://127.0.0.1:{serve.Listening.Port}/app.gvmi"));
        using var plain = new HttpClient();
        Assert.That(async () => await plain.GetAsync($"http://127.0.0.1:{serve.Listening.Port}/app.gvmi"), Throws.InstanceOf<HttpRequestException>(), "the port speaks TLS only");
    }

    [Test]
    public async Task Tls_KeyThatIsNotPem_OneLineErrorAndFailureExit()
    {
        var certificatePath = Path.Combine(_directory, "cert.pem");
        var keyPath = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(certificatePath, "not a certificate");
        await File.WriteAllTextAsync(keyPath, "not a key");

        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--port", "0", "--tls-cert", certificatePath, "--tls-key", keyPath);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(ErrorLines(error), Has.Exactly(1).Items);
        Assert.That(ErrorLines(error)[0], Does.StartWith($"gvmi serve: cannot use the TLS certificate '{certificatePath}' with the key '{keyPath}': "));
    }

    [Test]
    public async Task Tls_CertificateWithoutKey_OneLineErrorAndUsageExit()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(ServeCommand.Create(), "serve", _directory, "--port", "0", "--tls-cert", "cert.pem");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(ErrorLines(error), Is.EqualTo(new[] { ServeMessages.Line(ServeMessages.TlsPairIncomplete) }));
    }

    /// <summary>The lines of standard error other than the hashing progress lines printed before the error.</summary>
    private static string[] ErrorLines(string error) =>
        error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("gvmi serve: hashing ", StringComparison.Ordinal) && !l.StartsWith("gvmi serve: serving ", StringComparison.Ordinal)).ToArray();
}
