using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Publishing;
using Golem.VmImages.Tests.Cli;
using Golem.VmImages.Tests.Cli.Serving;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>
/// <c>gvmi publish</c> to real servers that take a PUT: the README's nginx configuration with and without WebDAV
/// MOVE, the README's Apache mod_dav configuration, and <c>gvmi serve</c>, which takes no uploads.
/// </summary>
[NonParallelizable]
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PutPublishTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("gvmi-publish-put-").FullName;
        Environment.SetEnvironmentVariable(HttpPublishTarget.UserVariable, PublishServerConfigs.User);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, PublishServerConfigs.Password);
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable(HttpPublishTarget.UserVariable, null);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, null);
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task Publish_NginxWithPutOnly_PutsStraightToTheContentAddress()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.NginxPutOnly());
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 3 << 20, seed: 41);
        var hash = await ImageHasher.HashFileAsync(image);

        var (code, output, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", nginx.Url("images/").AbsoluteUri, "--json");

        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("url").GetString(), Is.EqualTo(nginx.Url($"images/{hash}.gvmi").AbsoluteUri));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EqualTo(new[] { hash + ".gvmi" }));
        Assert.That(await ImageHasher.HashFileAsync(nginx.FilePath($"images/{hash}.gvmi")), Is.EqualTo(hash));
        var requests = PublishServerConfigs.Requests(nginx);
        Assert.That(requests.Where(r => r.StartsWith("PUT ", StringComparison.Ordinal)), Is.EqualTo(new[] { $"PUT /images/{hash}.gvmi 201" }).Using<string, string>((line, expected) => line.StartsWith(expected, StringComparison.Ordinal)));
        Assert.That(requests, Has.Some.StartWith("MOVE /images/.gvmi-move-probe-").And.Contain(" 405 "));
    }

    [Test]
    public async Task Publish_NginxWithMove_StagesThenMoves_AndTheSameImageAgainSendsNoBody()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.Nginx());
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 3 << 20, seed: 42);
        var hash = await ImageHasher.HashFileAsync(image);
        var to = nginx.Url("images/").AbsoluteUri;
        Assert.That((await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to)).ExitCode, Is.EqualTo(0));
        var first = PublishServerConfigs.Requests(nginx).Length;

        var again = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to);

        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(again.Output, Does.Contain("already published"));
        var all = PublishServerConfigs.Requests(nginx);
        Assert.That(all.Take(first), Has.Some.StartWith("PUT /images/.gvmi-upload-").And.Some.StartWith($"MOVE /images/.gvmi-upload-"));
        var second = all.Skip(first).ToArray();
        Assert.That(second.Select(r => r.Split(' ')[0]), Has.None.EqualTo("PUT").And.None.EqualTo("MOVE"), string.Join('\n', second));
        Assert.That(second.Where(r => r.StartsWith("GET ", StringComparison.Ordinal)).Select(r => long.Parse(r.Split(' ')[4], CultureInfo.InvariantCulture)), Has.All.LessThanOrEqualTo(4096), "only the public check's range request");
        Assert.That(all, Has.All.EndsWith($"\"{UserAgent()}\""));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EqualTo(new[] { hash + ".gvmi" }));
    }

    [Test]
    public async Task Publish_ApacheModDav_StagesThenMoves_AndTheSameImageAgainSendsNoBody()
    {
        await using var apache = await PublishServerConfigs.StartApacheAsync(_root);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 3 << 20, seed: 43);
        var hash = await ImageHasher.HashFileAsync(image);
        var to = apache.Url("images/").AbsoluteUri;

        var first = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to, "--verify");
        var logged = apache.AccessLog().Length;
        var again = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to);

        Assert.That(first.ExitCode, Is.EqualTo(0), first.Error);
        Assert.That(first.Output, Does.Contain("Verified:"));
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(again.Output, Does.Contain("already published"));
        var log = apache.AccessLog();
        Assert.That(log.Take(logged), Has.Some.StartWith("PUT /images/.gvmi-upload-").And.Some.StartWith("MOVE /images/.gvmi-upload-"));
        Assert.That(log.Skip(logged).Select(r => r.Split(' ')[0]), Has.None.EqualTo("PUT").And.None.EqualTo("MOVE"));
        Assert.That(log.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal)), Has.All.EndsWith($"\"{UserAgent()}\""));
        Assert.That(PublishTestImages.FilesUnder(Path.Combine(apache.Directory, "images")), Is.EqualTo(new[] { hash + ".gvmi" }));
    }

    [Test]
    public async Task Publish_ApacheWrongPassword_IsRefusedBeforeAnyBody()
    {
        await using var apache = await PublishServerConfigs.StartApacheAsync(_root);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 4 << 20, seed: 44);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, "wrong-Pq3-secret");

        var (code, output, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", apache.Url("images/").AbsoluteUri);

        Assert.That(code, Is.EqualTo(7), error);
        Assert.That(error, Does.Contain("401"));
        Assert.That(output + error, Does.Not.Contain("wrong-Pq3-secret"));
        Assert.That(apache.AccessLog().Select(r => long.Parse(r.Split(' ')[3], CultureInfo.InvariantCulture)), Has.All.LessThan(4096), "%I: bytes received per request");
        Assert.That(PublishTestImages.FilesUnder(Path.Combine(apache.Directory, "images")), Is.Empty);
    }

    [TestCase(HttpStatusCode.Unauthorized)]
    [TestCase(HttpStatusCode.RequestEntityTooLarge)]
    public async Task Stage_NginxRefusal_ArrivesBeforeAnyByteOfTheBodyIsRead(HttpStatusCode refusal)
    {
        var config = refusal == HttpStatusCode.RequestEntityTooLarge
            ? PublishServerConfigs.Nginx().Replace("client_max_body_size 0;", "client_max_body_size 1m;", StringComparison.Ordinal)
            : PublishServerConfigs.Nginx();
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, config);
        using var http = new HttpClient();
        var password = refusal == HttpStatusCode.Unauthorized ? "wrong-Lm4-secret" : PublishServerConfigs.Password;
        var target = new HttpPublishTarget(http, nginx.Url("images/"), new NetworkCredential(PublishServerConfigs.User, password));
        var body = new CountingStream(new byte[8 << 20]);

        var ex = await Assert.ThrowsAsync<ImagePublishException>(() => target.StageAsync(body, body.Length, "refused"));

        Assert.That(ex!.StatusCode, Is.EqualTo(refusal));
        Assert.That(ex.Message, Does.Not.Contain(".gvmi-").And.Not.Contain("wrong-Lm4-secret"));
        Assert.That(body.BytesRead, Is.Zero, "Expect: 100-continue: the refusal came before the client read any of the 8 MiB body");
        Assert.That(() => PutStatuses(nginx), Is.EqualTo(new[] { ((int)refusal).ToString(CultureInfo.InvariantCulture) }).After(5000, 50));
    }

    [Test]
    public async Task Publish_BodyLimitSmallerThanTheImage_SaysWhichLimitToRaise()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.Nginx().Replace("client_max_body_size 0;", "client_max_body_size 1m;", StringComparison.Ordinal));
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 6 << 20, seed: 45);

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", nginx.Url("images/").AbsoluteUri);

        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error.TrimEnd(), Is.EqualTo("gvmi publish: " + ErrorMessages.PutTooLarge(nginx.Url("images/").AbsoluteUri, new FileInfo(image).Length)));
        Assert.That(error, Does.Contain("client_max_body_size").And.Contain("LimitRequestBody"));
        Assert.That(() => PutStatuses(nginx), Is.EqualTo(new[] { "413" }).After(5000, 50));
    }

    [Test]
    public async Task Publish_FolderMissingOnTheServer_SaysToCreateIt()
    {
        await using var apache = await PublishServerConfigs.StartApacheAsync(_root);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 46);
        var to = apache.Url("images/missing/").AbsoluteUri;

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to);

        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error.TrimEnd(), Is.EqualTo("gvmi publish: " + ErrorMessages.PutFolderMissing(to)));
        Assert.That(error, Does.Contain("create_full_put_path").And.Not.Contain(".gvmi-upload"));
        Assert.That(apache.AccessLog(), Has.Some.StartWith("PUT /images/missing/.gvmi-upload-").And.Contain(" 409 "));
    }

    [Test]
    public async Task Publish_ToGvmiServe_SaysItTakesNoUploads()
    {
        var served = Path.Combine(_root, "served");
        Directory.CreateDirectory(served);
        await using var serve = await ServeHarness.StartAsync([served], new Golem.VmImages.Cli.Serving.ServeOptions { Port = 0 });
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 2 << 20, seed: 47);
        Environment.SetEnvironmentVariable(HttpPublishTarget.UserVariable, null);

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", serve.Listening.AbsoluteUri);

        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.StartWith("gvmi publish: The server at " + serve.Listening.AbsoluteUri + " does not accept uploads there"));
        Assert.That(error, Does.Not.Contain(".gvmi-upload").And.Not.Contain("partial"));
    }

    [Test]
    public async Task Publish_GivenHash_ChecksTheKeyWithoutReadingTheFile()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.NginxPutOnly());
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 2 << 20, seed: 48);
        var hash = await ImageHasher.HashFileAsync(image);
        using var http = new HttpClient();
        var target = new HttpPublishTarget(http, nginx.Url("images/"), new NetworkCredential(PublishServerConfigs.User, PublishServerConfigs.Password));
        var publisher = new ImagePublisher(http);
        await publisher.PublishAsync(image, target);
        await using (var file = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            file.Position = 100;
            file.Write(new byte[1000]);
        }

        var logged = PublishServerConfigs.Requests(nginx).Length;
        var again = await publisher.PublishAsync(image, target, new ImagePublishOptions { ImageHash = hash });

        Assert.That(again.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished), "the given hash was trusted: the changed bytes were never read");
        Assert.That(again.Key, Is.EqualTo(hash + ".gvmi"));
        Assert.That(PublishServerConfigs.Requests(nginx).Skip(logged).Select(r => r.Split(' ')[0]), Is.EqualTo(new[] { "HEAD", "HEAD", "GET" }));
    }

    [Test]
    public async Task Cli_ImageHashGiven_RepublishSendsNothing_AndAMalformedHashIsAUsageError()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.NginxPutOnly());
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 2 << 20, seed: 52);
        var hash = (await ImageHasher.HashFileAsync(image)).ToString();
        var to = nginx.Url("images/").AbsoluteUri;
        Assert.That((await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to, "--image-hash", hash)).ExitCode, Is.EqualTo(0));
        var logged = PublishServerConfigs.Requests(nginx).Length;

        var again = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to, "--image-hash", hash, "--no-check");
        var malformed = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", to, "--image-hash", hash[..54]);

        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(again.Output, Does.Contain("already published"));
        Assert.That(PublishServerConfigs.Requests(nginx).Skip(logged).Select(r => r.Split(' ')[0]), Is.EqualTo(new[] { "HEAD" }));
        Assert.That(malformed.ExitCode, Is.EqualTo(2));
        Assert.That(malformed.Error, Does.StartWith("gvmi publish: --image-hash: ").And.Contain("54"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Publish_GivenHashThatTheFileNoLongerHas_LeavesNothingOnTheServer(bool putOnly)
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, putOnly ? PublishServerConfigs.NginxPutOnly() : PublishServerConfigs.Nginx());
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 2 << 20, seed: 49);
        var stale = await ImageHasher.HashFileAsync(await PublishTestImages.WriteAsync(_root, "old.gvmi", 2 << 20, seed: 50));
        using var http = new HttpClient();
        var target = new HttpPublishTarget(http, nginx.Url("images/"), new NetworkCredential(PublishServerConfigs.User, PublishServerConfigs.Password));

        var ex = await Assert.ThrowsAsync<IOException>(() => new ImagePublisher(http).PublishAsync(image, target, new ImagePublishOptions { ImageHash = stale }));

        Assert.That(ex!.Message, Does.Contain(stale.ToString()).And.Contain("nothing was published"));
        // nginx logs a PUT the client cut short only when it notices the closed connection, which may be after the DELETE.
        Assert.That(() => PublishServerConfigs.Requests(nginx), Has.Some.StartWith(putOnly ? $"PUT /images/{stale}.gvmi" : "PUT /images/.gvmi-upload-").After(5000, 50));
        Assert.That(Directory.Exists(nginx.FilePath("images")) ? PublishTestImages.FilesUnder(nginx.FilePath("images")) : [], Is.Empty);
    }

    [Test]
    public async Task Put_NginxAndApache_KeepAnUnfinishedBodyAwayFromItsName()
    {
        await using var nginx = await PublishServerConfigs.StartNginxAsync(_root, PublishServerConfigs.NginxPutOnly());
        await using var apache = await PublishServerConfigs.StartApacheAsync(_root);

        var nginxSeen = await PutHalfAsync(nginx.Url("images/half.gvmi"), nginx.FilePath("images/half.gvmi"), Path.Combine(nginx.Directory, "tmp"));
        var apacheSeen = await PutHalfAsync(apache.Url("images/half.gvmi"), Path.Combine(apache.Directory, "images", "half.gvmi"), Path.Combine(apache.Directory, "images"));

        Assert.That(nginxSeen, Has.Some.StartsWith("body"), "nginx buffers the body in client_body_temp_path, then renames it");
        Assert.That(apacheSeen, Has.Some.StartsWith("images/.davfs.tmp").Or.Some.StartsWith(".davfs.tmp"), "mod_dav_fs writes a .davfs.tmp file beside the target, then renames it");
    }

    private static string UserAgent() => Golem.VmImages.Http.GolemUserAgent.Value.ToString();

    /// <summary>
    /// PUTs half a body, then, while the server holds it, lists what is on disk (relative to <paramref name="scratch"/>)
    /// and checks nothing is at the final name yet; then sends the rest and checks the file appears whole.
    /// </summary>
    private static async Task<string[]> PutHalfAsync(Uri url, string final, string scratch)
    {
        var body = new byte[4 << 20];
        new Random(51).NextBytes(body);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StreamContent(new GatedStream(body, body.Length / 2, gate.Task)) };
        request.Content.Headers.ContentLength = body.Length;
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{PublishServerConfigs.User}:{PublishServerConfigs.Password}")));
        var sending = http.SendAsync(request);
        string[] seen = [];
        for (var i = 0; i < 100 && seen.Length == 0; i++)
        {
            await Task.Delay(50);
            seen = [.. PublishTestImages.FilesUnder(scratch).Where(f => new FileInfo(Path.Combine(scratch, f)).Length > 0)];
        }

        Assert.That(File.Exists(final), Is.False, "nothing at the final name while the body is unfinished");
        gate.SetResult();
        using var response = await sending;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await File.ReadAllBytesAsync(final), Is.EqualTo(body));
        return seen;
    }

    /// <summary>A memory stream that counts the bytes read from it (its asynchronous reads go through the synchronous ones).</summary>
    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Count(base.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(base.Read(buffer));

        public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
        {
            var buffer = new byte[bufferSize];
            int read;
            while ((read = await ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        private int Count(int read)
        {
            BytesRead += read;
            return read;
        }
    }

    /// <summary>Yields the first <c>stop</c> bytes, then waits for the gate before yielding the rest.</summary>
    private sealed class GatedStream(byte[] data, int stop, Task gate) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == stop)
            {
                await gate.WaitAsync(cancellationToken);
            }

            var end = _position < stop ? stop : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The status of each PUT in nginx's request log (nginx may write a line just after the client has its answer).</summary>
    private static string[] PutStatuses(NginxServer nginx) =>
        [.. PublishServerConfigs.Requests(nginx).Where(r => r.StartsWith("PUT ", StringComparison.Ordinal)).Select(r => r.Split(' ')[2])];
}
