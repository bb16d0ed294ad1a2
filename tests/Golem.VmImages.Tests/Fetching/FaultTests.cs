using System.Net;
using Golem.VmImages.Fetching;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Fetching;

/// <summary>One test per failure the fetcher must survive, against an in-process Kestrel server on 127.0.0.1.</summary>
[TestFixture]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FaultTests : FetcherTestBase
{
    private const int Size = (3 << 20) + 12345;

    [Test]
    public async Task Case01_CleanDownload_HashedOnceRenamedReadOnlyNoTemp()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(image.Path, Is.EqualTo(FinalPath(digest)));
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(File.GetUnixFileMode(image.Path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), Is.EqualTo(UnixFileMode.None));
        Assert.That(PartialFiles(), Is.Empty);
        Assert.That((image.FromCache, image.Length, image.BytesTransferred, image.Attempts), Is.EqualTo((false, (long)Size, (long)Size, 1)));
        Assert.That((Server.RequestCount, Server.BytesSent), Is.EqualTo((1, (long)Size)));
        Assert.That(Requests[0].AcceptEncoding, Is.EqualTo("identity"));

        var again = await fetcher.FetchAsync(digest, [Server.Image()]);
        Assert.That((again.FromCache, again.Path, Server.RequestCount), Is.EqualTo((true, image.Path, 1)));
    }

    [Test]
    public async Task Case02_MismatchOnFreshDownload_NoFileNoRetry()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { WrongBytes = true };
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Expected, Is.EqualTo(digest));
        Assert.That(ex.Actual, Is.Not.EqualTo(digest));
        Assert.That(ex.Url, Is.EqualTo(Server.Image()));
        Assert.That(ex.BodyWasEmpty, Is.False);
        Assert.That(ex.Message, Does.Contain(digest.ToString()));
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty);
        Assert.That(Server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Case03_MismatchAfterResume_RestartsOnceFromZero()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i switch { 0 => new Fault { ResetAfter = 1 << 20 }, 1 => new Fault { WrongBytes = true }, _ => Fault.None };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        var requests = Requests;
        Assert.That(requests, Has.Length.EqualTo(3));
        Assert.That(requests[1].Range, Does.StartWith("bytes="));
        Assert.That(requests[2].Range, Is.Null, "the restart downloads from byte 0");
    }

    [Test]
    public async Task Case03_MismatchAgainAfterRestart_IsCase02()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = 1 << 20 } : new Fault { WrongBytes = true };
        using var fetcher = Fetcher();

        await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(digest, [Server.Image()]));
        Assert.That(Server.RequestCount, Is.EqualTo(3));
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty);
    }

    [Test]
    public async Task Case03_MismatchAfterResumeOnLastAllowedAttempt_StillRestartsOnceFromZero()
    {
        // Two attempts: a reset, then a resume with spliced bytes. The restart from 0 is owed even with the budget spent.
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i switch { 0 => new Fault { ResetAfter = 1 << 20 }, 1 => new Fault { WrongBytes = true }, _ => Fault.None };
        using var fetcher = Fetcher(o => o.MaxAttempts = 2);

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests.Select(r => r.Range is null), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public async Task Case03_SplicedPartialFromEarlierRunWithSingleAttempt_RestartsOnceFromZero()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        await SeedPartialAsync(digest, MakeBody(1 << 20, seed: 99), Server.Image(), Size);
        using var fetcher = Fetcher(o => o.MaxAttempts = 1);

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests.Select(r => r.Range), Is.EqualTo(new[] { "bytes=1048576-", null }));
    }

    [Test]
    public async Task Case03_SplicedPartialAndWrongBytesAfterRestart_MismatchNotASecondRestart()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        await SeedPartialAsync(digest, MakeBody(1 << 20, seed: 99), Server.Image(), Size);
        Server.Faults = i => i == 0 ? Fault.None : new Fault { WrongBytes = true };
        using var fetcher = Fetcher(o => o.MaxAttempts = 1);

        await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(Server.RequestCount, Is.EqualTo(2));
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty);
    }

    [Test]
    public async Task Case04_EmptyBody_MismatchSaysEmpty()
    {
        var digest = DigestOf(MakeBody(1000));
        Server.Body = [];
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.BodyWasEmpty, Is.True);
        Assert.That(ex.Actual, Is.EqualTo((Sha3Digest)ImageHash.OfEmptyInput));
        Assert.That(ex.Message, Does.Contain("empty"));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case05_TruncatedCacheFile_DetectedBySizeAndRefetched()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        var image = await fetcher.FetchAsync(digest, [Server.Image()]);
        File.SetUnixFileMode(image.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var f = new FileStream(image.Path, FileMode.Open))
        {
            f.SetLength(Size - 1);
        }

        var again = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That((again.FromCache, Server.RequestCount), Is.EqualTo((false, 2)));
        Assert.That(await File.ReadAllBytesAsync(again.Path), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Case05_BitRotInCacheFile_DetectedByRehashAndVerify()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using (var first = Fetcher())
        {
            var image = await first.FetchAsync(digest, [Server.Image()]);
            Flip(image.Path);
            Assert.That(await first.Cache.VerifyAsync(digest), Is.False, "Verify re-hashes and evicts");
            Assert.That(File.Exists(image.Path), Is.False);
            await first.FetchAsync(digest, [Server.Image()]);
            Flip(image.Path);
        }

        using var rehashing = Fetcher(o => o.RehashOnCacheHit = true);
        var again = await rehashing.FetchAsync(digest, [Server.Image()]);

        Assert.That((again.FromCache, Server.RequestCount), Is.EqualTo((false, 3)));
        Assert.That(await File.ReadAllBytesAsync(again.Path), Is.EqualTo(Server.Body));

        static void Flip(string path)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var bytes = File.ReadAllBytes(path);
            bytes[100] ^= 1;
            File.WriteAllBytes(path, bytes);
        }
    }

    [TestCase(true, TestName = "Case06_ResetAfterN_ResumesWithRangeAndIfRangeETag")]
    [TestCase(false, TestName = "Case06_ResetAfterN_ResumesWithRangeAndIfRangeLastModified")]
    public async Task Case06_ResetAfterN_Resumes(bool withETag)
    {
        Server.Body = MakeBody(Size);
        if (!withETag)
        {
            Server.ETag = null;
        }

        var digest = DigestOf(Server.Body);
        const int n = (1 << 20) + 123;
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = n } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        var requests = Requests;
        Assert.That(requests, Has.Length.EqualTo(2));
        var resumedFrom = long.Parse(requests[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(resumedFrom, Is.GreaterThan(0).And.LessThanOrEqualTo(n));
        Assert.That(requests[1].IfRange, Is.EqualTo(withETag ? "\"v1\"" : Server.LastModified!.Value.ToString("R")));
        Assert.That(Server.BytesSent, Is.EqualTo(n + (Size - resumedFrom)), "a retry never re-downloads verified progress");
        Assert.That(image.Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task Case06_WeakETag_NeverUsedInIfRange_LastModifiedInstead()
    {
        Server.Body = MakeBody(Size);
        Server.ETag = "W/\"v1\"";
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = 1 << 20 } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[1].Range, Is.Not.Null);
        Assert.That(Requests[1].IfRange, Is.EqualTo(Server.LastModified!.Value.ToString("R")), "a weak ETag cannot validate a byte range (RFC 9110 13.1.5)");
    }

    [TestCase(false, TestName = "Case07_200ToRangeRequest_RestartsFromZero")]
    [TestCase(true, TestName = "Case07_ValidatorChanged_IfRangeGets200_RestartsFromZero")]
    public async Task Case07_200ToRange(bool changeValidator)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i =>
        {
            if (i == 0)
            {
                return new Fault { ResetAfter = 1 << 20 };
            }

            if (changeValidator)
            {
                Server.ETag = "\"v2\"";
                return Fault.None;
            }

            return new Fault { IgnoreRange = true };
        };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body), "never appended");
        Assert.That(Server.RequestCount, Is.EqualTo(2));
        Assert.That(Requests[1].Range, Is.Not.Null);
        Assert.That(Server.BytesSent, Is.EqualTo((1 << 20) + Size));
    }

    public enum BadRange
    {
        WrongStart,
        Missing,
        TotalDiffers,
    }

    [TestCase(BadRange.WrongStart)]
    [TestCase(BadRange.Missing)]
    [TestCase(BadRange.TotalDiffers)]
    public async Task Case08_BadContentRange_RejectedAndRestartedFromZero(BadRange bad)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i switch
        {
            0 => new Fault { ResetAfter = 1 << 20 },
            1 => bad switch
            {
                BadRange.WrongStart => new Fault { ContentRangeStart = 0 },
                BadRange.Missing => new Fault { OmitContentRange = true },
                _ => new Fault { ContentRangeTotal = Size + 1 },
            },
            _ => Fault.None,
        };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Server.RequestCount, Is.EqualTo(3));
        Assert.That(Requests[2].Range, Is.Null);
    }

    [Test]
    public async Task Case09_416WithCompletePartial_HashedOnDiskAndAccepted()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ContentLength = Size + 10, ResetAfter = Size } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Server.RequestCount, Is.EqualTo(2), () => "ranges asked: " + string.Join(", ", Requests.Select(r => r.Range ?? "none")));
        Assert.That(Requests[1].Range, Is.EqualTo($"bytes={Size}-"));
        Assert.That(Server.BytesSent, Is.EqualTo(Size));
    }

    [Test]
    public async Task Case09_416WithWrongPartial_DiscardedAndRestarted()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ContentLength = Size + 10, ResetAfter = Size, WrongBytes = true } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Server.RequestCount, Is.EqualTo(3));
        Assert.That(Requests[2].Range, Is.Null);
    }

    [TestCase(false, TestName = "Case10_ContentLengthBeyondCap_FailsBeforeReading")]
    [TestCase(true, TestName = "Case10_ChunkedBodyBeyondCap_StoppedAtCap")]
    public async Task Case10_BeyondCap(bool chunked)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { NoContentLength = chunked };
        using var fetcher = Fetcher(o => o.MaxImageSize = 1 << 20);

        var ex = await Assert.ThrowsAsync<ImageTooLargeException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Limit, Is.EqualTo(1 << 20));
        Assert.That(Server.RequestCount, Is.EqualTo(1), "not retried");
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty);
    }

    [Test]
    public async Task Case11_NoContentLength_AcceptedAndVerified()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { NoContentLength = true };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Case12_GzipContentEncoding_IsAnError()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { Gzip = true };
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("Content-Encoding 'gzip'"));
        Assert.That(Requests[0].AcceptEncoding, Is.EqualTo("identity"));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
        AssertNoFinalFile(digest);
    }

    [TestCase(404)]
    [TestCase(403)]
    [TestCase(410)]
    public async Task Case13_ClientError_FailsAtOnceWithStatus(int status)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { Status = status };
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.StatusCode, Is.EqualTo((HttpStatusCode)status));
        Assert.That(ex.Message, Does.Contain(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(ex.Attempts, Is.EqualTo(1));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Is.Empty, "an error page is never hashed or kept");
    }

    [TestCase(500)]
    [TestCase(503)]
    [TestCase(408)]
    [TestCase(429)]
    public async Task Case14_TransientStatus_RetriedThenSucceeds(int status)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i < 2 ? new Fault { Status = status } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That((image.Attempts, Server.RequestCount, Server.BytesSent), Is.EqualTo((3, 3, (long)Size)));
    }

    [Test]
    public async Task Case14_TransientStatus_BoundedAttempts()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { Status = 503 };
        using var fetcher = Fetcher(o => o.MaxAttempts = 3);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That((ex!.StatusCode, ex.Attempts, Server.RequestCount), Is.EqualTo(((HttpStatusCode?)HttpStatusCode.ServiceUnavailable, 3, 3)));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case14_SingleAttemptAllowed_FailsAfterOneRequest()
    {
        // MaxAttempts = 1 is valid; the constructor used to throw from Polly (a retry strategy needs at least one retry).
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { Status = 503 };
        using var fetcher = Fetcher(o => o.MaxAttempts = 1);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That((ex!.StatusCode, ex.Attempts, ex.IsTransient, Server.RequestCount), Is.EqualTo(((HttpStatusCode?)HttpStatusCode.ServiceUnavailable, 1, true, 1)));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case14_RetryAfter_HonouredUpToCap()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { Status = 503, RetryAfter = "3600" } : Fault.None;
        var time = new FakeTimeProvider();
        using var fetcher = Fetcher(o => o.RetryAfterCap = TimeSpan.FromSeconds(10), time);

        var fetch = fetcher.FetchAsync(digest, [Server.Image()]);
        while (Server.RequestCount == 0)
        {
            await Task.Delay(10);
        }

        await Task.Delay(200);
        time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(300);
        Assert.That(Server.RequestCount, Is.EqualTo(1), "no retry before the (capped) Retry-After");
        time.Advance(TimeSpan.FromSeconds(1.5));
        await DriveAsync(time, fetch, TimeSpan.FromMilliseconds(1));
        Assert.That((fetch.Result.Attempts, Server.RequestCount), Is.EqualTo((2, 2)));
    }

    [Test]
    public async Task Case15_StallAfterHeaders_AbandonedAndResumed()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { StallAfter = 1 << 20 } : Fault.None;
        var time = new FakeTimeProvider();
        using var fetcher = Fetcher(o => o.StallTimeout = TimeSpan.FromSeconds(30), time);

        var fetch = fetcher.FetchAsync(digest, [Server.Image()]);
        await DriveAsync(time, fetch, TimeSpan.FromSeconds(1));

        var image = await fetch;
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Server.RequestCount, Is.EqualTo(2));
        Assert.That(Requests[1].Range, Is.Not.Null, "the stalled attempt is resumed, not restarted");
        Assert.That(Server.BytesSent, Is.EqualTo(Size));
    }

    [Test]
    public async Task Case16_Trickle_BoundedByMinimumThroughputAndDeadline()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { TrickleDelayMs = 5 };
        var time = new FakeTimeProvider();
        using var fetcher = Fetcher(
            o =>
            {
                o.StallTimeout = TimeSpan.FromSeconds(30);
                o.MinimumBytesPerSecond = 1000;
                o.OverallTimeout = TimeSpan.FromMinutes(10);
                o.MaxAttempts = 100;
            },
            time);

        var fetch = fetcher.FetchAsync(digest, [Server.Image()]);
        await DriveAsync(time, fetch, TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetch);
        Assert.That(ex!.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(Server.RequestCount, Is.GreaterThan(1), "each trickling attempt was abandoned by the throughput rule");
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case17_Redirects_FollowedUpToLimit()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i < 2 ? new Fault { RedirectTo = "/hop" + (i + 1) } : Fault.None;
        using (var fetcher = Fetcher())
        {
            var image = await fetcher.FetchAsync(digest, [Server.Image("start")]);
            Assert.That(Requests.Select(r => r.Path), Is.EqualTo(new[] { "/start", "/hop1", "/hop2" }));
            Assert.That(image.SourceUrl, Is.EqualTo(Server.Image("start")));
        }

        Server.Faults = _ => new Fault { RedirectTo = "/loop" };
        using var limited = Fetcher(o => o.MaxRedirects = 2);
        var other = DigestOf(MakeBody(10, 7));
        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => limited.FetchAsync(other, [Server.Image("loop")]));
        Assert.That(ex!.Message, Does.Contain("more than 2"));
    }

    [TestCase(false, TestName = "Case17_HttpsToHttpDowngrade_Refused")]
    [TestCase(true, TestName = "Case17_HttpsToHttpDowngrade_FollowedWhenAllowed")]
    public async Task Case17_Downgrade(bool allow)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { RedirectTo = new Uri(Server.HttpUrl, "plain").AbsoluteUri } : Fault.None;
        using var fetcher = Fetcher(o => o.AllowHttpsToHttpDowngrade = allow);

        var fetch = fetcher.FetchAsync(digest, [new Uri(Server.HttpsUrl, "secure")]);

        if (allow)
        {
            Assert.That((await fetch).Length, Is.EqualTo(Size));
            Assert.That(Requests.Select(r => r.Scheme), Is.EqualTo(new[] { "https", "http" }));
        }
        else
        {
            var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetch);
            Assert.That(ex!.Message, Does.Contain("HTTPS to plain HTTP"));
            Assert.That(Server.RequestCount, Is.EqualTo(1), "the plain-HTTP location was never requested");
            AssertNoFinalFile(digest);
        }
    }

    [Test]
    public async Task Case17_Credentials_NeverFollowToAnotherOrigin()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { RedirectTo = new Uri(Server.SecondHttpUrl, "elsewhere").AbsoluteUri } : Fault.None;
        using var fetcher = Fetcher();
        var url = new UriBuilder(Server.Image()) { UserName = "user", Password = "secret" }.Uri;

        await fetcher.FetchAsync(digest, [url]);

        var requests = Requests;
        Assert.That(requests[0].Authorization, Does.StartWith("Basic "));
        Assert.That(requests[1].Port, Is.EqualTo(Server.SecondHttpUrl.Port));
        Assert.That(requests[1].Authorization, Is.Null);
    }

    [Test]
    public async Task Case18_Mirrors_TriedInOrderAfterPermanentFailureOrMismatch()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i switch { 0 => new Fault { Status = 404 }, 1 => new Fault { WrongBytes = true }, _ => Fault.None };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image("a"), Server.Image("b"), Server.Image("c")]);

        Assert.That(image.SourceUrl, Is.EqualTo(Server.Image("c")));
        Assert.That(Requests.Select(r => r.Path), Is.EqualTo(new[] { "/a", "/b", "/c" }));
    }

    [Test]
    public async Task Case18_AllMirrorsFail_EveryFailureListed()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { Status = 410 } : new Fault { WrongBytes = true };
        using var fetcher = Fetcher();

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image("a"), Server.Image("b")]));

        Assert.That(ex!.UrlFailures, Has.Count.EqualTo(2));
        Assert.That(ex.UrlFailures[0], Is.InstanceOf<ImageDownloadException>());
        Assert.That(ex.UrlFailures[1], Is.InstanceOf<ImageHashMismatchException>());
        Assert.That(ex.Message, Does.Contain("/a").And.Contain("/b").And.Contain("410"));
        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case19_NameComesFromDigestOnly()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { ContentDisposition = "attachment; filename=\"../../evil.gvmi\"" };
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image("..%2F..%2Fevil.gvmi")]);

        Assert.That(image.Path, Is.EqualTo(FinalPath(digest)));
        Assert.That(Directory.GetFiles(Root, "*evil*", SearchOption.AllDirectories), Is.Empty);
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(Root)!, "evil*"), Is.Empty);
    }

    [Test]
    public async Task Case20_InterruptedRun_NextRunResumesPartialRehashingPrefix()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { StallAfter = 2 << 20 } : Fault.None;
        using (var first = Fetcher())
        {
            await FetchAndCancelAfterAsync(first, digest, 2 << 20);
        }

        AssertNoFinalFile(digest);
        var partial = PartialFiles().Single(f => f.EndsWith(".part", StringComparison.Ordinal));
        var kept = new FileInfo(partial).Length;
        Assert.That(kept, Is.GreaterThan(0));

        using var second = Fetcher();
        var image = await second.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[1].Range, Is.EqualTo($"bytes={kept}-"));
        Assert.That(image.BytesTransferred, Is.EqualTo(Size - kept));
    }

    [Test]
    public async Task Case20_KilledBetweenVerifyAndRename_FullPartialAcceptedVia416()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        await SeedPartialAsync(digest, Server.Body, Server.Image(), Size);

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That((Server.RequestCount, Server.BytesSent, Requests[0].Range), Is.EqualTo((1, 0L, $"bytes={Size}-")));
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Case21_ConcurrentFetchesInOneProcess_OneDownload()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = _ => new Fault { StallAfter = 1 << 20 };
        using var fetcher = Fetcher(o => o.StallTimeout = TimeSpan.FromMilliseconds(500));
        Server.Faults = i => i == 0 ? new Fault { TrickleDelayMs = null, StallAfter = null } : Fault.None;

        var fetches = Enumerable.Range(0, 5).Select(_ => fetcher.FetchAsync(digest, [Server.Image()])).ToArray();
        var images = await Task.WhenAll(fetches);

        Assert.That(images.Select(i => i.Path).Distinct().Count(), Is.EqualTo(1));
        Assert.That(Server.RequestCount, Is.EqualTo(1));
        Assert.That(Server.BytesSent, Is.EqualTo(Size));
    }

    [Test]
    public async Task Case21_OtherProcessSizeCheckRightAfterRename_DoesNotEvictTheNewImage()
    {
        // Another process checks the cache (size against the length record) before taking the lock; it may do so the
        // instant the verified file appears. The record must already be there, or the new image is evicted as corrupt.
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher();
        bool? otherSawIt = null;
        fetcher.AfterPublishForTesting = path => otherSawIt = new ImageCache(CacheDir).TryGet(digest, out _);

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(otherSawIt, Is.True);
        Assert.That(File.Exists(image.Path), Is.True, "the path returned still holds the image");
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
    }

    [Test]
    public async Task Case22_StalePartialCleanedOnlyWithLock_StaleLockFileDeleted()
    {
        var digest = DigestOf(MakeBody(100));
        var cache = new ImageCache(CacheDir);
        CreateCacheDirectories(digest);
        var partial = PartialPath(digest);
        File.WriteAllBytes(partial, [1, 2, 3]);
        File.SetLastWriteTimeUtc(partial, DateTime.UtcNow.AddDays(-2));

        using (var held = FileLock.TryAcquire(LockPath(digest)))
        {
            Assert.That(held, Is.Not.Null);
            Assert.That(FileLock.TryAcquire(LockPath(digest)), Is.Null, "the lock is exclusive");
            Assert.That(cache.CleanStalePartials(TimeSpan.FromHours(1)), Is.Zero, "a partial whose lock is held is never touched");
            Assert.That(File.Exists(partial), Is.True);
        }

        // A lock file left by a dead process: the OS lock died with its holder, and cleaning deletes the file.
        await File.WriteAllBytesAsync(LockPath(digest), []);
        Assert.That(cache.CleanStalePartials(TimeSpan.FromHours(1)), Is.EqualTo(1));
        Assert.That(File.Exists(partial), Is.False);
        Assert.That(Directory.GetFiles(Path.Combine(CacheDir, "locks")), Is.Empty, "no lock file is left behind");
    }

    [Test]
    public async Task Case23_NotEnoughDiskSpace_ClearErrorNoFinalFile()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        using var fetcher = Fetcher(o => o.MinimumFreeDiskSpace = long.MaxValue / 4);

        var ex = await Assert.ThrowsAsync<ImageDownloadException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("bytes free"));
        Assert.That(ex.InnerException, Is.InstanceOf<IOException>());
        AssertNoFinalFile(digest);
        Assert.That(Server.BytesSent, Is.Zero, "the body is not read when it cannot fit");
    }

    [Test]
    public async Task Case24_LastSingleByteResume()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { ResetAfter = Size - 1 } : Fault.None;
        using var fetcher = Fetcher();

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);

        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));
        Assert.That(Requests[1].Range, Is.EqualTo($"bytes={Size - 1}-"));
    }

    [Test]
    public async Task Case25_Cancellation_OperationCanceledNoFinalFilePartialResumable()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => i == 0 ? new Fault { StallAfter = 1 << 20 } : Fault.None;
        using var fetcher = Fetcher();
        await FetchAndCancelAfterAsync(fetcher, digest, 1 << 20);

        AssertNoFinalFile(digest);
        Assert.That(PartialFiles(), Has.Length.EqualTo(2), "the partial file and its validator metadata are kept");

        var image = await fetcher.FetchAsync(digest, [Server.Image()]);
        Assert.That(Requests[1].Range, Is.Not.Null);
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(Server.Body));

        // Before any I/O.
        await Assert.CatchAsync<OperationCanceledException>(() => fetcher.FetchAsync(DigestOf(MakeBody(5)), [Server.Image()], null, new CancellationToken(canceled: true)));
    }

    [TestCase(false, TestName = "Case25_CancelledMidBody_PartialHandleAndLockReleasedBeforeReturning")]
    [TestCase(true, TestName = "Case25_CancelledDuringRetryDelay_ReturnsPromptlyLockReleased")]
    public async Task Case25_CancelledReleasesEverything(bool duringRetryDelay)
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        Server.Faults = i => duringRetryDelay
            ? (i == 0 ? new Fault { ResetAfter = 1 << 20 } : new Fault { Status = 503, RetryAfter = "600" })
            : new Fault { StallAfter = 1 << 20 };
        using var fetcher = Fetcher(o =>
        {
            o.RetryAfterCap = TimeSpan.FromMinutes(10);
            o.BackoffCap = TimeSpan.FromMinutes(10);
        });
        using var cts = new CancellationTokenSource();
        var fetch = fetcher.FetchAsync(digest, [Server.Image()], null, cts.Token);
        var wanted = duringRetryDelay ? 2 : 1;
        while (Server.RequestCount < wanted || Server.BytesSent < 1 << 20)
        {
            await Task.Delay(10);
        }

        await Task.Delay(200);
        var cancelled = System.Diagnostics.Stopwatch.StartNew();
        await cts.CancelAsync();
        await Assert.CatchAsync<OperationCanceledException>(() => fetch);

        Assert.That(cancelled.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        using (var held = FileLock.TryAcquire(LockPath(digest)))
        {
            Assert.That(held, Is.Not.Null, "the digest's lock is released when the cancelled fetch returns");
        }

        var partial = PartialPath(digest);
        using (var exclusive = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.That(exclusive.Length, Is.GreaterThanOrEqualTo(1L << 20), "the partial is kept, and no handle of the fetcher is still open on it");
        }

        AssertNoFinalFile(digest);
    }

    [Test]
    public async Task Case26_SymlinkAtPartialPath_NotFollowed()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        var victim = Path.Combine(Root, "victim");
        File.WriteAllText(victim, "precious");
        CreateCacheDirectories(digest);
        File.CreateSymbolicLink(PartialPath(digest), victim);
        using var fetcher = Fetcher();

        var ex = await Assert.CatchAsync<IOException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("symbolic link"));
        Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"));
        AssertNoFinalFile(digest);
        Assert.That(Server.RequestCount, Is.Zero);
    }

    [Test]
    public async Task Case26_SymlinkAtFinalPath_NotFollowed()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        var victim = Path.Combine(Root, "victim");
        File.WriteAllText(victim, "precious");
        CreateCacheDirectories(digest);
        File.CreateSymbolicLink(FinalPath(digest), victim);
        using var fetcher = Fetcher();

        var ex = await Assert.CatchAsync<IOException>(() => fetcher.FetchAsync(digest, [Server.Image()]));

        Assert.That(ex!.Message, Does.Contain("symbolic link"));
        Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"));
        Assert.That(new FileInfo(FinalPath(digest)).LinkTarget, Is.EqualTo(victim), "the planted link is left as it was, never replaced by an unverified or verified file");
    }

    [Test]
    public async Task Case27_MalformedHashOrUrl_RejectedBeforeAnyIo()
    {
        using var fetcher = Fetcher();
        var digest = DigestOf(MakeBody(10));

        Assert.That(() => ImageHash.Parse("abc"), Throws.InstanceOf<FormatException>().With.Message.Contains("56 hexadecimal characters"));
        Assert.That(() => ImageHash.Parse(new string('g', 56)), Throws.InstanceOf<FormatException>().With.Message.Contains("'g'"));
        Assert.That(() => TaskPackage.Parse("hash:sha3:abcd:http://127.0.0.1/x"), Throws.InstanceOf<FormatException>());
        Assert.That(() => fetcher.FetchAsync(default, [Server.Image()]), Throws.ArgumentException.With.Message.Contains("default(Sha3Digest)"));
        Assert.That(() => fetcher.FetchAsync(digest, []), Throws.ArgumentException.With.Message.Contains("empty"));
        Assert.That(() => fetcher.FetchAsync(digest, [new Uri("images/x.gvmi", UriKind.Relative)]), Throws.ArgumentException.With.Message.Contains("relative"));
        Assert.That(() => fetcher.FetchAsync(digest, [new Uri("ftp://127.0.0.1/x.gvmi")]), Throws.ArgumentException.With.Message.Contains("unsupported scheme 'ftp'"));
        Assert.That(Server.RequestCount, Is.Zero);
        Assert.That(Directory.Exists(CacheDir), Is.False, "nothing was created on disk");
    }

    [Test]
    public async Task MaxCacheSize_EvictsLeastRecentlyUsedButNeverTheImageJustFetched()
    {
        var a = MakeBody(1 << 20, 1);
        var b = MakeBody(1 << 20, 2);
        using var fetcher = Fetcher(o => o.MaxCacheSize = (1 << 20) + 10);
        Server.Body = a;
        var first = await fetcher.FetchAsync(DigestOf(a), [Server.Image("a")]);
        Server.Body = b;
        var second = await fetcher.FetchAsync(DigestOf(b), [Server.Image("b")]);

        Assert.That(File.Exists(first.Path), Is.False);
        Assert.That(File.Exists(second.Path), Is.True);
        Assert.That(fetcher.Cache.GetTotalSize(), Is.EqualTo(1 << 20));
    }

    [Test]
    public async Task FileUrl_CopiedAndVerified()
    {
        var body = MakeBody(Size);
        var source = Path.Combine(Root, "local.gvmi");
        await File.WriteAllBytesAsync(source, body);
        using var fetcher = Fetcher(o => o.AllowFileUrls = true);

        var image = await fetcher.FetchAsync(DigestOf(body), [new Uri(source)]);
        Assert.That(await File.ReadAllBytesAsync(image.Path), Is.EqualTo(body));

        var wrong = DigestOf(MakeBody(10, 3));
        var ex = await Assert.ThrowsAsync<ImageHashMismatchException>(() => fetcher.FetchAsync(wrong, [new Uri(source)]));
        Assert.That((ex!.Length, ex.BodyWasEmpty), Is.EqualTo(((long)Size, false)));
        AssertNoFinalFile(wrong);
        Assert.That(PartialFiles(), Is.Empty);
    }

    [Test]
    public async Task DestinationPath_WritesVerifiedFileThere()
    {
        Server.Body = MakeBody(Size);
        var digest = DigestOf(Server.Body);
        var destination = Path.Combine(Root, "out", "image.gvmi");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        using var fetcher = Fetcher();
        var progress = new List<ImageFetchProgress>();

        var image = await fetcher.FetchAsync(digest, [Server.Image()], new ImageFetchRequest { DestinationPath = destination, Progress = new SyncProgress(progress.Add) });

        Assert.That(image.Path, Is.EqualTo(destination));
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(Server.Body));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(destination)!), Has.Length.EqualTo(1));
        Assert.That(progress.Select(p => p.Phase), Does.Contain(ImageFetchPhase.Downloading).And.Contain(ImageFetchPhase.Verifying));

        var again = await fetcher.FetchAsync(digest, [Server.Image()], new ImageFetchRequest { DestinationPath = destination });
        Assert.That((again.FromCache, Server.RequestCount), Is.EqualTo((true, 1)), "the same image already there is returned after hashing it, not downloaded again");

        var other = DigestOf(MakeBody(Size, 9));
        var ex = await Assert.ThrowsAsync<ImageDestinationConflictException>(() => fetcher.FetchAsync(other, [Server.Image()], new ImageFetchRequest { DestinationPath = destination }));
        Assert.That((ex!.Destination, ex.ExistingLength), Is.EqualTo((destination, (long)Server.Body.Length)));
        Assert.That(ex!.Message, Does.Contain("already holds another file"));
        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(Server.Body), "a verified image never replaces another file");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(destination)!), Has.Length.EqualTo(1), "no partial or lock file is left next to the destination");
    }

    private sealed class SyncProgress(Action<ImageFetchProgress> report) : IProgress<ImageFetchProgress>
    {
        public void Report(ImageFetchProgress value) => report(value);
    }
}
