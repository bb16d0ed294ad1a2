using System.Diagnostics;
using Amazon.S3.Model;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Publishing;
using Golem.VmImages.Tests.Cli;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>A <c>gvmi publish</c> child process killed with SIGKILL mid-upload, then a second run that cleans up what it left.</summary>
[NonParallelizable]
[CancelAfter(300_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KilledPublishTests
{
    private const string Bucket = "images";
    private const string StagePattern = ".gvmi-upload-*.partial";

    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("gvmi-killed-publish-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task Directory_KilledRun_NextRunOfTheSameFileReusesItsStage()
    {
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 160 << 20, seed: 61);
        var target = await KillMidDirectoryPublishAsync(image);
        var left = Directory.GetFiles(target, StagePattern);
        Assert.That(left, Has.Length.EqualTo(1), "the killed run left its staging file");

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", target);

        Assert.That(code, Is.EqualTo(0), error);
        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That(PublishTestImages.FilesUnder(target), Is.EqualTo(new[] { hash + ".gvmi" }), "the stage was reused and renamed into place; nothing is left");
    }

    [Test]
    public async Task Directory_KilledRun_NextRunAfterTheFileChangedRemovesTheOldStage()
    {
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 160 << 20, seed: 62);
        var target = await KillMidDirectoryPublishAsync(image);
        var left = Directory.GetFiles(target, StagePattern);
        Assert.That(left, Has.Length.EqualTo(1), "the killed run left its staging file");
        await PublishTestImages.WriteAsync(_root, "app.gvmi", 2 << 20, seed: 63);

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", target);

        Assert.That(code, Is.EqualTo(0), error);
        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That(PublishTestImages.FilesUnder(target), Is.EqualTo(new[] { hash + ".gvmi" }), "the stage of the earlier version is gone");
    }

    [Test]
    public async Task Directory_StagesOfOtherFiles_OldOnesRemovedFreshAndLockedOnesLeft()
    {
        var old = await PublishTestImages.WriteAsync(_root, "old.gvmi", 160 << 20, seed: 64);
        var fresh = await PublishTestImages.WriteAsync(_root, "fresh.gvmi", 160 << 20, seed: 65);
        var target = Path.Combine(_root, "target");
        Directory.CreateDirectory(target);
        var oldStage = await KillMidDirectoryPublishAsync(old, target);
        var freshStage = await KillMidDirectoryPublishAsync(fresh, target);
        File.SetLastWriteTimeUtc(oldStage, DateTime.UtcNow - LocalDirectoryPublishTarget.StaleStagingAge - TimeSpan.FromMinutes(5));
        var lockedStage = Path.Combine(target, ".gvmi-upload-" + new string('a', 24) + "-" + new string('b', 24) + ".partial");
        var other = await PublishTestImages.WriteAsync(_root, "other.gvmi", 1 << 20, seed: 66);

        ImagePublishOptions options = new() { CheckPublicUrl = false };
        using var http = new HttpClient();
        using (var concurrent = new FileStream(lockedStage, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            File.SetLastWriteTimeUtc(lockedStage, DateTime.UtcNow - TimeSpan.FromDays(1));
            await new ImagePublisher(http).PublishAsync(other, new LocalDirectoryPublishTarget(target), options);
        }

        Assert.That(File.Exists(oldStage), Is.False, "a stage older than the documented age is removed");
        Assert.That(File.Exists(freshStage), Is.True, "a fresh stage of another file may belong to a run in progress");
        Assert.That(File.Exists(lockedStage), Is.True, "a stage another run holds locked is never touched");
        Assert.That(Directory.GetFiles(target, "*.gvmi").Select(Path.GetFileName), Is.EqualTo(new[] { await ImageHasher.HashFileAsync(other) + ".gvmi" }));
    }

    [Test]
    public async Task S3_KilledRun_NextRunAfterTheFileChangedAbortsTheOrphanedUpload()
    {
        await using var moto = await MotoServer.StartAsync();
        using var client = moto.Client(moto.Options(Bucket));
        await client.PutBucketAsync(Bucket);
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 60 << 20, seed: 67);
        string[] args = ["publish", image, "--to", $"s3://{Bucket}/v1", "--endpoint", moto.Endpoint.AbsoluteUri, "--path-style", "--region", "us-east-1", "--part-size-mib", "5", "--parallel", "1", "--acl", "public-read", "--no-check"];

        MultipartUpload orphan;
        using (var child = StartGvmi(args, ("AWS_ACCESS_KEY_ID", MotoServer.AccessKey), ("AWS_SECRET_ACCESS_KEY", MotoServer.SecretKey)))
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var open = (await client.ListMultipartUploadsAsync(Bucket)).MultipartUploads ?? [];
                if (open.Count == 1 && ((await client.ListPartsAsync(Bucket, open[0].Key, open[0].UploadId)).Parts ?? []).Count > 0)
                {
                    orphan = open[0];
                    break;
                }

                if (child.HasExited)
                {
                    Assert.Fail("the child finished before it could be killed: " + await child.StandardError.ReadToEndAsync());
                }

                Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "no part was stored");
                await Task.Delay(20);
            }

            child.Kill(); // SIGKILL: nothing in the child runs after it.
            await child.WaitForExitAsync();
        }

        Assert.That(orphan.Key, Does.StartWith("v1/.gvmi-staging/gvmi-upload-"));
        Assert.That((await client.ListMultipartUploadsAsync(Bucket)).MultipartUploads, Has.Count.EqualTo(1), "the killed run left its upload open");
        await PublishTestImages.WriteAsync(_root, "app.gvmi", 6 << 20, seed: 68);

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", MotoServer.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", MotoServer.SecretKey);
        try
        {
            var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), args);
            Assert.That(code, Is.EqualTo(0), error);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        }

        Assert.That((await client.ListMultipartUploadsAsync(Bucket)).MultipartUploads ?? [], Is.Empty, "the orphaned upload of the earlier version was aborted");
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        Assert.That(listing.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { $"v1/{await ImageHasher.HashFileAsync(image)}.gvmi" }));
    }

    /// <summary>Starts <c>gvmi publish</c> to a fresh directory and kills it (SIGKILL) while its staging file exists; returns the directory.</summary>
    private async Task<string> KillMidDirectoryPublishAsync(string image)
    {
        for (var attempt = 1; ; attempt++)
        {
            var target = Path.Combine(_root, "target-" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(target);
            if (await TryKillMidDirectoryPublishAsync(image, target) is not null)
            {
                return target;
            }

            Assert.That(attempt, Is.LessThan(5), "every child finished its publish before it could be killed");
        }
    }

    /// <summary>Kills a <c>gvmi publish</c> of <paramref name="image"/> into <paramref name="target"/> (trying again until one is caught mid-copy); returns the staging file it left.</summary>
    private static async Task<string> KillMidDirectoryPublishAsync(string image, string target)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await TryKillMidDirectoryPublishAsync(image, target) is { } stage)
            {
                return stage;
            }

            Assert.That(attempt, Is.LessThan(5), "every child finished its publish before it could be killed");
            foreach (var published in Directory.GetFiles(target, "*.gvmi"))
            {
                File.Delete(published);
            }
        }
    }

    private static async Task<string?> TryKillMidDirectoryPublishAsync(string image, string target)
    {
        var before = Directory.GetFiles(target, StagePattern).ToHashSet();
        using var child = StartGvmi(["publish", image, "--to", target]);
        var deadline = Stopwatch.StartNew();
        while (!child.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (Directory.GetFiles(target, StagePattern).FirstOrDefault(f => !before.Contains(f)) is { } stage && new FileInfo(stage).Length > 0)
            {
                child.Kill(); // SIGKILL: nothing in the child runs after it.
                await child.WaitForExitAsync();
                return File.Exists(stage) ? stage : null;
            }

            await Task.Delay(1);
        }

        await child.WaitForExitAsync();
        return null;
    }

    private static Process StartGvmi(IEnumerable<string> args, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Golem.VmImages.Tests.Fetching.ProcessAndNginxTests.Gvmi);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }
}
