using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Golem.VmImages.Publishing.S3;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>moto's S3 server on 127.0.0.1 with a random port (<c>-s</c>: self-signed https), and clients for it that count the requests they send.</summary>
internal sealed class MotoServer : IAsyncDisposable
{
    public const string AccessKey = "AKIDMOTOTESTKEY";
    public const string SecretKey = "moto-secret-9f3Xq-never-printed";

    private readonly Process _process;

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>The requests the clients sent, as "METHOD path?query [x-amz-acl:ACL] PAYLOAD-HASH".</summary>
    public List<string> Requests { get; } = [];

    /// <param name="https">Serve https with moto's self-signed certificate (<c>-s</c>).</param>
    /// <param name="verifySignatures">Check SigV4 signatures: the first requests (this helper's IAM set-up) go unchecked, then only the key <see cref="CreateVerifiedKeyAsync"/> returns is accepted.</param>
    public static async Task<MotoServer> StartAsync(bool https = false, bool verifySignatures = false)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(d => Path.Combine(d, "moto_server")).FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Assert.Fail("moto_server is not on PATH; install it with 'pip install moto[server]' (as .ci/run does) to run the S3 publishing tests.");
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new ProcessStartInfo(executable!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        if (https)
        {
            info.ArgumentList.Add("-s");
        }

        if (verifySignatures)
        {
            info.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3";
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await ServerProcess.WaitUntilListeningAsync(process, port, attempts: 300, interval: 100))
        {
            return new MotoServer(process, new Uri($"{(https ? "https" : "http")}://127.0.0.1:{port}/"));
        }

        Assert.Fail("moto_server did not start.");
        return null!;
    }

    /// <summary>Creates an IAM user allowed everything and returns its access key and secret (moto checks signatures against them).</summary>
    public async Task<(string AccessKey, string Secret)> CreateVerifiedKeyAsync()
    {
        using var http = AnonymousClient();
        async Task<string> IamAsync(params (string Name, string Value)[] form)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new FormUrlEncodedContent([new("Version", "2010-05-08"), .. form.Select(f => KeyValuePair.Create(f.Name, f.Value))]) };
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSETUP/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00");
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.IsSuccessStatusCode, Is.True, body);
            return body;
        }

        await IamAsync(("Action", "CreateUser"), ("UserName", "publisher"));
        await IamAsync(("Action", "PutUserPolicy"), ("UserName", "publisher"), ("PolicyName", "all"), ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""));
        var key = System.Xml.Linq.XDocument.Parse(await IamAsync(("Action", "CreateAccessKey"), ("UserName", "publisher")));
        string Value(string name) => key.Descendants().First(e => e.Name.LocalName == name).Value;
        return (Value("AccessKeyId"), Value("SecretAccessKey"));
    }

    public S3PublishTargetOptions Options(string bucket, string prefix = "") =>
        new() { Bucket = bucket, Prefix = prefix, ServiceUrl = Endpoint, ForcePathStyle = true, Region = "us-east-1", PartSize = S3PublishTargetOptions.MinPartSize, PartRetryDelay = TimeSpan.FromMilliseconds(10), CannedAcl = "public-read" };

    public AmazonS3Client Client(S3PublishTargetOptions options, string secret = SecretKey, string accessKey = AccessKey)
    {
        var config = S3PublishTarget.CreateConfig(options);
        config.HttpClientFactory = new RecordingFactory(this);
        return new AmazonS3Client(new BasicAWSCredentials(accessKey, secret), config);
    }

    /// <summary>An anonymous client for the public checks that trusts moto's self-signed certificate.</summary>
    public static HttpClient AnonymousClient() =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private sealed class RecordingFactory(MotoServer server) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new Recorder(server) { InnerHandler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator } });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }

    private sealed class Recorder(MotoServer server) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var payload = request.Headers.TryGetValues("X-Amz-Content-SHA256", out var values) ? values.First() : "-";
            lock (server.Requests)
            {
                var acl = request.Headers.TryGetValues("x-amz-acl", out var acls) ? " x-amz-acl:" + acls.First() : string.Empty;
                server.Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}{acl} {payload}");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
