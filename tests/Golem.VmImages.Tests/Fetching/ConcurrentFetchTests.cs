using System.Diagnostics;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>
/// Concurrent fetches get what they asked for: the same image to the same place shares one download; another image
/// at a place in use waits, then fails clearly, and never receives the other's file. In one process and across two
/// real <c>gvmi</c> processes, against a slow server, in both orders.
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConcurrentFetchTests : FetcherTestBase
{
    private const int Size = 1 << 20;

    [Test]
    public async Task SameImageSameDestination_InOneProcess_OneDownloadBothSucceed()
    {
        Server.Body = MakeBody(Size);
        Server.Faults = _ => new Fault { ChunkDelayMs = 10 };
        var digest = DigestOf(Server.Body);
        var destination = Path.Combine(Root, "image.gvmi");
        using var fetcher = Fetcher();

        var results = await Task.WhenAll(
            fetcher.FetchAsync(digest, [Server.Image()], new ImageFetchRequest { DestinationPath = destination }),
            fetcher.FetchAsync(digest, [Server.Image()], new ImageFetchRequest { DestinationPath = destination }));

        Assert.That(results.Select(r => (r.Path, r.Digest)), Is.All.EqualTo((destination, digest)));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(Server.Body));
    }

    [TestCase(false, TestName = "OtherImageSameDestination_InOneProcess_FirstStartedWinsOtherFailsClearly")]
    [TestCase(true, TestName = "OtherImageSameDestination_InOneProcess_ReversedOrder_FirstStartedWinsOtherFailsClearly")]
    public async Task OtherImageSameDestination_InOneProcess(bool reversed)
    {
        var (a, b) = Serve();
        var (first, second) = reversed ? (b, a) : (a, b);
        var destination = Path.Combine(Root, "image.gvmi");
        using var fetcher = Fetcher();

        var winner = fetcher.FetchAsync(DigestOf(first.Body), [Server.Image(first.Name)], new ImageFetchRequest { DestinationPath = destination });
        await WaitForAsync(() => Server.BytesSent > 0);
        var loser = fetcher.FetchAsync(DigestOf(second.Body), [Server.Image(second.Name)], new ImageFetchRequest { DestinationPath = destination });

        var image = await winner;
        var ex = await Assert.ThrowsAsync<ImageDestinationConflictException>(() => loser);
        Assert.That(image.Digest, Is.EqualTo(DigestOf(first.Body)));
        Assert.That(ex!.Message, Does.Contain("already holds another file"));
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(first.Body));
        Assert.That(Directory.GetFiles(Root).Select(Path.GetFileName), Is.EquivalentTo(new[] { "image.gvmi" }), "no partial or lock file is left");
    }

    [TestCase(false, TestName = "OtherImageSameDestination_TwoGvmiProcesses_OnlyTheVerifiedImageIsPrinted")]
    [TestCase(true, TestName = "OtherImageSameDestination_TwoGvmiProcesses_ReversedOrder_OnlyTheVerifiedImageIsPrinted")]
    public async Task OtherImageSameDestination_TwoGvmiProcesses(bool reversed)
    {
        var (a, b) = Serve();
        var (first, second) = reversed ? (b, a) : (a, b);
        var destination = Path.Combine(Root, "image.gvmi");

        using var one = StartGvmi(first, destination);
        await WaitForAsync(() => Server.BytesSent > 0 || one.HasExited);
        using var two = StartGvmi(second, destination);
        var outputs = await Task.WhenAll(one.StandardOutput.ReadToEndAsync(), two.StandardOutput.ReadToEndAsync(), one.StandardError.ReadToEndAsync(), two.StandardError.ReadToEndAsync());
        await Task.WhenAll(one.WaitForExitAsync(), two.WaitForExitAsync());

        Assert.That(one.ExitCode, Is.Zero, outputs[2]);
        Assert.That(outputs[0].Trim(), Is.EqualTo(destination));
        Assert.That(two.ExitCode, Is.Not.Zero, "the other image never reports success at a destination it did not write");
        Assert.That(outputs[1], Is.Empty);
        Assert.That(outputs[3], Does.Contain("already holds another file"));
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(first.Body), "the file is the verified image, never empty nor the other's partial");
        Assert.That(Directory.GetFiles(Root).Select(Path.GetFileName), Is.EquivalentTo(new[] { "image.gvmi" }), "no partial or lock file is left");
    }

    [Test]
    public async Task SameImageSameDestination_TwoGvmiProcesses_BothSucceedWithOneDownload()
    {
        var (a, _) = Serve();
        var destination = Path.Combine(Root, "image.gvmi");

        using var one = StartGvmi(a, destination);
        await WaitForAsync(() => Server.BytesSent > 0 || one.HasExited);
        using var two = StartGvmi(a, destination);
        var outputs = await Task.WhenAll(one.StandardOutput.ReadToEndAsync(), two.StandardOutput.ReadToEndAsync());
        await Task.WhenAll(one.WaitForExitAsync(), two.WaitForExitAsync());

        Assert.That((one.ExitCode, two.ExitCode), Is.EqualTo((0, 0)));
        Assert.That(outputs.Select(o => o.Trim()), Is.All.EqualTo(destination));
        Assert.That(Server.RequestCount, Is.EqualTo(1), "the second process waited for the lock and found the verified file");
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(a.Body));
    }

    private (Served A, Served B) Serve()
    {
        var a = new Served("a.gvmi", MakeBody(Size, 1));
        var b = new Served("b.gvmi", MakeBody(Size, 2));
        Server.Files["/" + a.Name] = a.Body;
        Server.Files["/" + b.Name] = b.Body;

        // About 1.6 s per download: long enough for the second fetch to start while the first is running.
        Server.Faults = _ => new Fault { ChunkDelayMs = 25 };
        return (a, b);
    }

    /// <summary>Starts <c>gvmi fetch -o</c> with no writable default cache: <c>-o</c> must not need one.</summary>
    private Process StartGvmi(Served image, string destination)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ProcessAndNginxTests.Gvmi);
        foreach (var arg in new[] { "fetch", "--hash", DigestOf(image.Body).ToString(), Server.Image(image.Name).AbsoluteUri, "-o", destination })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["XDG_DATA_HOME"] = "/proc/gvmi-no-cache-here";
        return Process.Start(info)!;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    private sealed record Served(string Name, byte[] Body);
}
