using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Tests.Building;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Oci;

/// <summary>How a test registry checks its clients.</summary>
internal enum RegistryAuth
{
    None,
    Htpasswd,
    Token,
}

/// <summary>
/// Debian's <c>docker-registry</c> (the CNCF distribution registry) on 127.0.0.1, with its own config file and
/// storage folder: plain http or https with a CA the test makes, no auth, htpasswd basic auth, or the token flow
/// with a small token server of the test's own (ES256 tokens whose signing certificate the registry trusts).
/// </summary>
internal sealed class DockerRegistry : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "s3cret-Passw0rd";
    private const string Service = "test-registry";
    private const string Issuer = "test-token-issuer";

    private readonly Process _process;
    private readonly LoopbackServer? _tokenServer;
    private readonly string _directory;

    private DockerRegistry(Process process, LoopbackServer? tokenServer, string directory, string host, bool https, string? caFile)
    {
        _process = process;
        _tokenServer = tokenServer;
        _directory = directory;
        Host = host;
        Https = https;
        CaFile = caFile;
    }

    /// <summary>Gets <c>127.0.0.1:port</c>.</summary>
    public string Host { get; }

    public bool Https { get; }

    /// <summary>Gets the PEM file of the CA that signed the registry's certificate (https only).</summary>
    public string? CaFile { get; }

    public static async Task<DockerRegistry> StartAsync(string directory, RegistryAuth auth = RegistryAuth.None, bool https = false, bool anonymousPull = true)
    {
        ExternalTool.Require("docker-registry");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var config = new StringBuilder();
        config.AppendLine("version: 0.1");
        config.AppendLine("log:\n  level: error\n  accesslog:\n    disabled: true");
        config.AppendLine($"storage:\n  filesystem:\n    rootdirectory: {Path.Combine(directory, "storage")}\n  delete:\n    enabled: true");
        config.AppendLine($"http:\n  addr: 127.0.0.1:{port}\n  secret: test-secret");
        string? caFile = null;
        if (https)
        {
            caFile = WriteTlsFiles(directory);
            config.AppendLine($"  tls:\n    certificate: {Path.Combine(directory, "server.crt")}\n    key: {Path.Combine(directory, "server.key")}");
        }

        LoopbackServer? tokenServer = null;
        switch (auth)
        {
            case RegistryAuth.Htpasswd:
                File.WriteAllBytes(Path.Combine(directory, "htpasswd"), ExternalTool.Run("htpasswd", "-Bbn", User, Password));
                config.AppendLine($"auth:\n  htpasswd:\n    realm: test\n    path: {Path.Combine(directory, "htpasswd")}");
                break;
            case RegistryAuth.Token:
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    var request = new CertificateRequest("CN=test token signer", key, HashAlgorithmName.SHA256);
                    var now = TimeProvider.System.GetUtcNow();
                    using var signer = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
                    File.WriteAllText(Path.Combine(directory, "token.crt"), signer.ExportCertificatePem());
                    tokenServer = await StartTokenServerAsync(ECDsa.Create(key.ExportParameters(includePrivateParameters: true)), signer.RawData, anonymousPull);
                }

                config.AppendLine($"auth:\n  token:\n    realm: {tokenServer.BaseAddress}token\n    service: {Service}\n    issuer: {Issuer}\n    rootcertbundle: {Path.Combine(directory, "token.crt")}");
                break;
        }

        var configPath = Path.Combine(directory, "config.yml");
        File.WriteAllText(configPath, config.ToString());
        var start = new ProcessStartInfo(ExternalTool.Require("docker-registry"), ["serve", configPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new DockerRegistry(process, tokenServer, directory, "127.0.0.1:" + port, https, caFile);
        if (await ServerProcess.WaitUntilListeningAsync(process, port, attempts: 200))
        {
            return registry;
        }

        await registry.DisposeAsync();
        Assert.Fail("docker-registry did not start: " + log);
        return registry;
    }

    /// <summary>Pushes a local OCI layout's reference to <c>repository:tag</c> with skopeo (<c>--all</c> keeps every platform of an index).</summary>
    public void Push(string layout, string layoutReference, string repository, string tag, bool all = false)
    {
        var arguments = new List<string> { "copy", "--quiet" };
        if (all)
        {
            arguments.Add("--all");
        }

        arguments.AddRange(DestinationOptions("dest"));
        arguments.Add("oci:" + layout + ":" + layoutReference);
        arguments.Add("docker://" + Host + "/" + repository + ":" + tag);
        ExternalTool.Run("skopeo", [.. arguments]);
    }

    /// <summary>Fetches an image from the registry into an oci-archive with skopeo (the reference build of the hash comparison).</summary>
    public string FetchArchive(string reference, string archive)
    {
        var arguments = new List<string> { "copy", "--quiet" };
        arguments.AddRange(DestinationOptions("src"));
        arguments.Add("docker://" + Host + "/" + reference);
        arguments.Add("oci-archive:" + archive);
        ExternalTool.Run("skopeo", [.. arguments]);
        return archive;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_tokenServer is not null)
        {
            await _tokenServer.DisposeAsync();
        }
    }

    private IEnumerable<string> DestinationOptions(string side)
    {
        if (Https)
        {
            var certificates = Path.Combine(_directory, "skopeo-certs");
            Directory.CreateDirectory(certificates);
            File.Copy(CaFile!, Path.Combine(certificates, "ca.crt"), overwrite: true);
            yield return $"--{side}-cert-dir";
            yield return certificates;
        }
        else
        {
            yield return $"--{side}-tls-verify=false";
        }

        yield return $"--{side}-creds";
        yield return User + ":" + Password;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string WriteTlsFiles(string directory)
    {
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=gvmi test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddHours(-1), now.AddHours(12), [1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllText(Path.Combine(directory, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        var caFile = Path.Combine(directory, "ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        return caFile;
    }

    /// <summary>
    /// The token server: <c>GET /token?service=..&amp;scope=repository:NAME:pull[,push]</c>. Right Basic credentials get
    /// pull and push, wrong ones 401, none pull only (or 401 when <paramref name="anonymousPull"/> is false).
    /// </summary>
    private static Task<LoopbackServer> StartTokenServerAsync(ECDsa key, byte[] certificate, bool anonymousPull) =>
        LoopbackServer.StartAsync(app => app.MapGet("/token", (HttpContext context) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            var authenticated = false;
            if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
                if (pair != User + ":" + Password)
                {
                    return Results.StatusCode(401);
                }

                authenticated = true;
            }
            else if (!anonymousPull)
            {
                return Results.StatusCode(401);
            }

            var scopes = context.Request.Query["scope"].SelectMany(s => (s ?? string.Empty).Split(' ')).Where(s => s.Length > 0);
            var access = scopes.Select(scope => scope.Split(':')).Where(p => p.Length == 3).Select(p => new Dictionary<string, object>
            {
                ["type"] = p[0],
                ["name"] = p[1],
                ["actions"] = p[2].Split(',').Where(a => authenticated || a == "pull").ToArray(),
            }).ToArray();
            var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
            var header = JsonSerializer.Serialize(new Dictionary<string, object> { ["alg"] = "ES256", ["typ"] = "JWT", ["x5c"] = new[] { Convert.ToBase64String(certificate) } });
            var claims = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["sub"] = authenticated ? User : string.Empty,
                ["aud"] = Service,
                ["exp"] = now + 300,
                ["nbf"] = now - 10,
                ["iat"] = now,
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["access"] = access,
            });
            var unsigned = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(Encoding.UTF8.GetBytes(claims));
            var signature = key.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256);
            return Results.Json(new Dictionary<string, object> { ["token"] = unsigned + "." + Base64Url(signature), ["expires_in"] = 300 });
        }));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
