using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Publishing;
using Golem.VmImages.Publishing.S3;
using Golem.VmImages.Tests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>The S3 target against a real moto_server on loopback.</summary>
[NonParallelizable]
[CancelAfter(180_000)]
public sealed class S3PublishTests
{
    internal const string Bucket = "images";

    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("gvmi-publish-s3-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task Publish_Multipart_StoresTheImageWithItsHashAndLeavesNoStagingOrUploads()
    {
        await using var s3 = await MotoBucket.StartAsync(prefix: "releases");
        var client = s3.Client;
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", (12 << 20) + 1234, seed: 21);

        var published = await s3.PublishAsync(image);

        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That(published.Key, Is.EqualTo(hash + ".gvmi"));
        Assert.That(published.PublicUrl, Is.EqualTo(new Uri(s3.Moto.Endpoint, $"{Bucket}/releases/{hash}.gvmi")));
        Assert.That(s3.Moto.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("partNumber=", StringComparison.Ordinal)), Is.EqualTo(3));
        var metadata = await client.GetObjectMetadataAsync(Bucket, $"releases/{hash}.gvmi");
        Assert.That(metadata.Metadata[S3PublishTarget.HashMetadataName], Is.EqualTo(hash.ToString()));
        Assert.That(metadata.ContentLength, Is.EqualTo(new FileInfo(image).Length));
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        Assert.That(listing.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { $"releases/{hash}.gvmi" }));
        Assert.That((await client.ListMultipartUploadsAsync(Bucket)).MultipartUploads ?? [], Is.Empty);
    }

    [Test]
    public async Task Publish_ObjectNotPubliclyReadable_FailsWithWhatToFix()
    {
        await using var s3 = await MotoBucket.StartAsync(configure: options => options.CannedAcl = null);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 29);

        var ex = await Assert.ThrowsAsync<ImageNotPubliclyReadableException>(() => s3.PublishAsync(image));

        Assert.That(ex!.Message, Does.Contain("403").And.Contain("bucket policy"));
        Assert.That(s3.Moto.Requests.Where(r => r.Contains("acl", StringComparison.OrdinalIgnoreCase)), Is.Empty, "no ACL is sent unless asked for");
    }

    [Test]
    public async Task Publish_SameImageAgain_IsANoOp_AndADifferentImageIsRefusedUnlessOverwrite()
    {
        await using var s3 = await MotoBucket.StartAsync();
        var one = await PublishTestImages.WriteAsync(_root, "one.gvmi", 1 << 20, seed: 22);
        var two = await PublishTestImages.WriteAsync(_root, "two.gvmi", 1 << 20, seed: 23);
        await s3.PublishAsync(one, new ImagePublishOptions { Key = "latest.gvmi" });

        var again = await s3.PublishAsync(one, new ImagePublishOptions { Key = "latest.gvmi" });
        var conflict = await Assert.ThrowsAsync<ImageKeyConflictException>(() => s3.PublishAsync(two, new ImagePublishOptions { Key = "latest.gvmi" }));
        var stillOne = await s3.Client.GetObjectMetadataAsync(Bucket, "latest.gvmi");
        var replaced = await s3.PublishAsync(two, new ImagePublishOptions { Key = "latest.gvmi", Overwrite = true });

        Assert.That(again.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        Assert.That(conflict!.ExistingHash, Is.EqualTo(await ImageHasher.HashFileAsync(one)));
        Assert.That(stillOne.Metadata[S3PublishTarget.HashMetadataName], Is.EqualTo((await ImageHasher.HashFileAsync(one)).ToString()));
        Assert.That(replaced.Outcome, Is.EqualTo(PublishOutcome.Replaced));
        var listing = await s3.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        Assert.That(listing.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "latest.gvmi" }), "no staging object is left");
    }

    [Test]
    public async Task Publish_SameImageAgain_SendsNoBodyAndDownloadsNothing()
    {
        await using var s3 = await MotoBucket.StartAsync();
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 9 << 20, seed: 24);
        var options = new ImagePublishOptions { HashStore = new FileHashStore(Path.Combine(_root, "hashes")) };
        await s3.PublishAsync(image, options);
        var before = s3.Moto.Requests.Count;

        var again = await s3.PublishAsync(image, options);

        var requests = s3.Moto.Requests.Skip(before).ToArray();
        Assert.That(again.Outcome, Is.EqualTo(PublishOutcome.AlreadyPublished));
        Assert.That(requests, Has.None.StartsWith("PUT").And.None.StartsWith("POST"), string.Join('\n', requests));
        Assert.That(requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)), Is.LessThanOrEqualTo(1), "at most the public check's range request");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Commit_ObjectAppearedDuringTheUpload_IsAConflictUnlessOverwrite(bool overwrite)
    {
        await using var s3 = await MotoBucket.StartAsync();
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 25);
        var hash = await ImageHasher.HashFileAsync(image);
        await using var content = File.OpenRead(image);
        await using var staged = await s3.Target.StageAsync(content, content.Length, "racing");
        await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "latest.gvmi", ContentBody = "someone else's image" });

        var commit = staged.CommitAsync("latest.gvmi", hash, overwrite);

        if (overwrite)
        {
            await commit;
            using var replaced = await s3.Client.GetObjectAsync(Bucket, "latest.gvmi");
            Assert.That(await ImageHasher.HashDataAsync(replaced.ResponseStream), Is.EqualTo(hash));
        }
        else
        {
            var conflict = await Assert.ThrowsAsync<ImageKeyConflictException>(() => commit);
            Assert.That(conflict!.Key, Is.EqualTo("latest.gvmi"));
            Assert.That(conflict.Message, Does.Contain("s3://" + Bucket + "/latest.gvmi").And.Contain("expected the key to stay free"));
            using var kept = await s3.Client.GetObjectAsync(Bucket, "latest.gvmi");
            using var reader = new StreamReader(kept.ResponseStream);
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("someone else's image"));
        }
    }

    [Test]
    public async Task Stage_SourceFailsMidway_AbortsTheMultipartUpload()
    {
        await using var s3 = await MotoBucket.StartAsync();

        await Assert.ThrowsAsync<IOException>(() => s3.Target.StageAsync(new FailingStream(12 << 20), 20 << 20, "broken"));

        Assert.That((await s3.Client.ListMultipartUploadsAsync(Bucket)).MultipartUploads ?? [], Is.Empty);
        Assert.That(s3.Moto.Requests, Has.Some.StartsWith("DELETE /images/.gvmi-staging/broken?uploadId="));
    }

    [Test]
    public async Task Stage_AbortThatHangs_IsBoundedOnTheOptionsClock()
    {
        var abortArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(app => app.Run(context => AnswerUntilTheAbortAsync(context, abortArrived)));
        var clock = new FakeTimeProvider();
        var options = new S3PublishTargetOptions { Bucket = Bucket, ServiceUrl = server.BaseAddress, ForcePathStyle = true, Region = "us-east-1", TimeProvider = clock };
        using var client = new AmazonS3Client(new BasicAWSCredentials("AKIDSTUB", "stub-secret"), S3PublishTarget.CreateConfig(options));

        var staging = new S3PublishTarget(client, options).StageAsync(new FailingStream(1), 20 << 20, "broken");
        await abortArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(29));
        var before = staging.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(before, Is.False, "the clean-up waits its 30 seconds on the options' clock");
        Assert.That(async () => await staging.WaitAsync(TimeSpan.FromSeconds(10)), Throws.TypeOf<IOException>());
    }

    [Test]
    public async Task Publish_LeftBehindUpload_ResumesWithoutResendingStoredParts()
    {
        await using var s3 = await MotoBucket.StartAsync();
        var client = s3.Client;
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 12 << 20, seed: 24);
        var stagingKey = ".gvmi-staging/" + PublishKey.StagingName(new FileInfo(image));
        var upload = await client.InitiateMultipartUploadAsync(Bucket, stagingKey);
        var bytes = await File.ReadAllBytesAsync(image);
        await client.UploadPartAsync(new UploadPartRequest { BucketName = Bucket, Key = stagingKey, UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(bytes, 0, S3PublishTargetOptions.MinPartSize) });
        s3.Moto.Requests.Clear();

        var published = await s3.PublishAsync(image);

        var parts = s3.Moto.Requests.Where(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("partNumber=", StringComparison.Ordinal)).ToList();
        Assert.That(parts, Has.Count.EqualTo(2));
        Assert.That(parts, Has.None.Contains("partNumber=1&"));
        Assert.That(parts, Has.All.Contains("uploadId=" + upload.UploadId));
        using var stored = await client.GetObjectAsync(Bucket, published.Key);
        Assert.That(await ImageHasher.HashDataAsync(stored.ResponseStream), Is.EqualTo(published.ImageHash));
    }

    [Test]
    public async Task Publish_MissingBucket_FailsWithWhatToFix()
    {
        await using var moto = await MotoServer.StartAsync();
        var options = moto.Options("no-such-bucket");
        using var client = moto.Client(options);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 25);
        using var anonymous = MotoServer.AnonymousClient();

        var ex = await Assert.ThrowsAsync<ImagePublishException>(() => new ImagePublisher(anonymous).PublishAsync(image, new S3PublishTarget(client, options)));

        Assert.That(ex!.Message, Does.Contain("s3://no-such-bucket").And.Contain("bucket does not exist"));
        Assert.That(ex.Message, Does.Not.Contain(MotoServer.SecretKey));
    }

    [Test]
    public async Task Publish_OverHttpsToACustomEndpoint_SendsUnsignedPayloadsAndNoChecksumHeaders()
    {
        await using var s3 = await MotoBucket.StartAsync(https: true);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 7 << 20, seed: 26);

        var published = await s3.PublishAsync(image);

        var parts = s3.Moto.Requests.Where(r => r.Contains("partNumber=", StringComparison.Ordinal) && r.StartsWith("PUT", StringComparison.Ordinal)).ToList();
        Assert.That(parts, Has.Count.EqualTo(2).And.All.EndsWith(" UNSIGNED-PAYLOAD"));
        Assert.That(published.PublicUrl.Scheme, Is.EqualTo("https"));
    }

    [Test]
    public async Task Publish_WrongSecret_IsRefusedWith403AndTheSecretNeverAppears()
    {
        await using var moto = await MotoServer.StartAsync(verifySignatures: true);
        var (accessKey, secret) = await moto.CreateVerifiedKeyAsync();
        var options = moto.Options(Bucket);
        using (var good = moto.Client(options, secret, accessKey))
        {
            await good.PutBucketAsync(Bucket);
        }

        const string wrong = "wrong-secret-Hq2-never-printed";
        using var client = moto.Client(options, wrong, accessKey);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 30);
        using var anonymous = MotoServer.AnonymousClient();

        var ex = await Assert.ThrowsAsync<ImagePublishException>(() => new ImagePublisher(anonymous).PublishAsync(image, new S3PublishTarget(client, options)));

        Assert.That(ex!.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Forbidden));
        Assert.That(ex.Message, Does.Contain("403").And.Contain("check the credentials"));
        Assert.That(ex.ToString(), Does.Not.Contain(wrong).And.Not.Contain(secret));
        using var check = moto.Client(options, secret, accessKey);
        Assert.That((await check.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket })).S3Objects ?? [], Is.Empty);
    }

    [Test]
    public void Options_UnsignedPayloadOverPlainHttp_AreRefused()
    {
        var options = new S3PublishTargetOptions { Bucket = Bucket, ServiceUrl = new Uri("http://127.0.0.1:9/"), PayloadSigning = S3PayloadSigning.Off };

        var ex = Assert.Throws<ArgumentException>(() => S3PublishTarget.Create(options));
        Assert.That(ex!.Message, Does.Contain("plain http"));
    }

    [TestCase(1L << 30, 8 << 20, 8L << 20)]
    [TestCase(400L << 30, 8 << 20, 64L << 20)]
    public void PartSizeFor_KeepsWithinTenThousandParts(long length, int configured, long expected)
    {
        Assert.That(S3PublishTarget.PartSizeFor(length, configured), Is.EqualTo(expected));
    }

    [Test]
    public async Task Cli_PublishToMoto_ThenFetchOfThePrintedTaskPackage_GivesTheSameHash()
    {
        await using var moto = await MotoServer.StartAsync();
        using (var client = moto.Client(moto.Options(Bucket)))
        {
            await client.PutBucketAsync(Bucket);
        }

        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 6 << 20, seed: 27);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", MotoServer.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", MotoServer.SecretKey);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync(
                PublishCommand.Create(), "publish", image, "--to", $"s3://{Bucket}/v1", "--endpoint", moto.Endpoint.AbsoluteUri, "--path-style", "--region", "us-east-1", "--part-size-mib", "5", "--acl", "public-read", "--json");

            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(output + error, Does.Not.Contain(MotoServer.SecretKey));
            using var json = JsonDocument.Parse(output);
            var fetched = Path.Combine(_root, "fetched.gvmi");
            var fetch = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", json.RootElement.GetProperty("taskPackage").GetString()!, "-o", fetched);
            Assert.That(fetch.ExitCode, Is.EqualTo(0), fetch.Error);
            Assert.That(await ImageHasher.HashFileAsync(fetched), Is.EqualTo(await ImageHasher.HashFileAsync(image)));

            var http = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", "/tmp/x", "--endpoint", moto.Endpoint.AbsoluteUri);
            Assert.That(http.ExitCode, Is.EqualTo(2));
            Assert.That(http.Error, Does.Contain("--endpoint applies only to an s3:// target"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        }
    }

    [Test]
    public async Task Cli_UnreachableS3Endpoint_FailsWithOneLine()
    {
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 10, seed: 28);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", MotoServer.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", MotoServer.SecretKey);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync(
                PublishCommand.Create(), "publish", image, "--to", $"s3://{Bucket}", "--endpoint", "http://127.0.0.1:9/", "--path-style");

            Assert.That(code, Is.EqualTo(5), error);
            Assert.That(error, Does.StartWith("gvmi publish: ").And.Contain("could not be reached"));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(output + error, Does.Not.Contain(MotoServer.SecretKey));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        }
    }

    /// <summary>A moto server with the test bucket, a client for it and an anonymous client for the public checks.</summary>
    internal sealed class MotoBucket : IAsyncDisposable
    {
        private MotoBucket(MotoServer moto, S3PublishTargetOptions options)
        {
            Moto = moto;
            Options = options;
            Client = moto.Client(options);
        }

        public MotoServer Moto { get; }

        public S3PublishTargetOptions Options { get; }

        public AmazonS3Client Client { get; }

        public HttpClient Anonymous { get; } = MotoServer.AnonymousClient();

        public S3PublishTarget Target => new(Client, Options);

        public static async Task<MotoBucket> StartAsync(string prefix = "", bool https = false, Action<S3PublishTargetOptions>? configure = null)
        {
            var moto = await MotoServer.StartAsync(https);
            var options = moto.Options(Bucket, prefix);
            configure?.Invoke(options);
            var bucket = new MotoBucket(moto, options);
            try
            {
                await bucket.Client.PutBucketAsync(Bucket);
                return bucket;
            }
            catch
            {
                await bucket.DisposeAsync();
                throw;
            }
        }

        public Task<PublishedImage> PublishAsync(string image, ImagePublishOptions? options = null) =>
            new ImagePublisher(Anonymous).PublishAsync(image, Target, options);

        public async ValueTask DisposeAsync()
        {
            Anonymous.Dispose();
            Client.Dispose();
            await Moto.DisposeAsync();
        }
    }

    /// <summary>Yields zeros, then fails like a disk read error.</summary>
    /// <summary>Answers the list and start of a multipart upload, and holds the abort (DELETE) open until the client gives up.</summary>
    private static async Task AnswerUntilTheAbortAsync(HttpContext context, TaskCompletionSource abortArrived)
    {
        const string Namespace = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
        switch (context.Request.Method)
        {
            case "DELETE":
                abortArrived.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "GET":
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync($"<ListMultipartUploadsResult {Namespace}><Bucket>{Bucket}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>");
                break;
            default:
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync($"<InitiateMultipartUploadResult {Namespace}><Bucket>{Bucket}</Bucket><Key>.gvmi-staging/broken</Key><UploadId>stub-upload</UploadId></InitiateMultipartUploadResult>");
                break;
        }
    }

    private sealed class FailingStream(long failAfter) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("simulated read error");
            }

            var n = (int)Math.Min(count, failAfter - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
