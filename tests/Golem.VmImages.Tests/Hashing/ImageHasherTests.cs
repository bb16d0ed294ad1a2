using System.Collections.Concurrent;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The contract of <see cref="ImageHasher"/> beyond the known answers: validation, disposal, progress, cancellation.</summary>
public class ImageHasherTests
{
    [Test]
    public void Dispose_Twice_IsValidAndLaterUseThrows()
    {
        var hasher = new ImageHasher();
        hasher.Append([1, 2, 3]);
        hasher.Dispose();
        hasher.Dispose();
        Assert.That(() => hasher.Append([1]), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => hasher.GetCurrentHash(), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => hasher.Reset(), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void HashData_ShortDestination_ThrowsArgumentException()
    {
        Assert.That(
            () => ImageHasher.HashData([1, 2, 3], new byte[27]),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("destination"));
    }

    [Test]
    public void HashData_NullOrUnreadableStream_Throws()
    {
        Assert.That(() => ImageHasher.HashData((Stream)null!), Throws.ArgumentNullException);
        using var unreadable = new UnreadableStream();
        Assert.That(() => ImageHasher.HashData(unreadable), Throws.ArgumentException.With.Message.Contains("readable"));
        Assert.That(() => ImageHasher.HashDataAsync(unreadable), Throws.ArgumentException, "validated synchronously");
    }

    [Test]
    public void HashData_StreamFromMiddle_HashesTheRest()
    {
        var data = TestVectors.MessageStream(1000);
        using var stream = new MemoryStream(data);
        stream.Position = 300;
        Assert.That(ImageHasher.HashData(stream), Is.EqualTo(ImageHasher.HashData(data.AsSpan(300))));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void HashFile_InvalidPath_ThrowsBeforeReading(bool synchronously)
    {
        Assert.That(() => StartHashFile(null!, synchronously), Throws.ArgumentNullException, "thrown by the call, not by a task");
        Assert.That(() => StartHashFile("", synchronously), Throws.ArgumentException, "thrown by the call, not by a task");
        Assert.That(
            () => HashFile(Path.Combine(TestContext.CurrentContext.WorkDirectory, "missing.gvmi"), synchronously),
            Throws.InstanceOf<FileNotFoundException>());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task HashFile_ReportsProgressInLargeStepsAndTheTotal(bool synchronously)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"progress-{Guid.NewGuid():N}.bin");
        var data = TestVectors.MessageStream(40 << 20);
        await File.WriteAllBytesAsync(path, data);
        try
        {
            var reports = new ConcurrentQueue<long>();
            var hash = await HashFile(path, synchronously, new SynchronousProgress(reports.Enqueue));
            Assert.That(hash, Is.EqualTo(ImageHasher.HashData(data)));
            Assert.That(reports, Has.Count.InRange(2, 4), "a report every 16 MiB, not per read");
            Assert.That(reports, Is.Ordered.Ascending);
            Assert.That(reports.Last(), Is.EqualTo(data.Length));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task HashFile_Canceled_ThrowsOperationCanceledException(bool synchronously)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"canceled-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, new byte[40 << 20]);
        try
        {
            Assert.That(
                () => HashFile(path, synchronously, progress: null, new CancellationToken(canceled: true)),
                Throws.InstanceOf<OperationCanceledException>());

            using var cts = new CancellationTokenSource();
            var reports = new ConcurrentQueue<long>();
            var cancelOnFirstReport = new SynchronousProgress(bytes => { reports.Enqueue(bytes); cts.Cancel(); });
            Assert.That(() => HashFile(path, synchronously, cancelOnFirstReport, cts.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(reports, Has.Count.EqualTo(1).And.All.LessThan(40 << 20), "stopped at the next read, long before the end");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void HashDataAsync_Canceled_ThrowsOperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var stream = new MemoryStream(new byte[10 << 20]);
        Assert.That(async () => await ImageHasher.HashDataAsync(stream, cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private static void StartHashFile(string path, bool synchronously)
    {
        if (synchronously)
        {
            ImageHasher.HashFile(path);
        }
        else
        {
            _ = ImageHasher.HashFileAsync(path);
        }
    }

    private static async Task<ImageHash> HashFile(string path, bool synchronously, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        synchronously
            ? ImageHasher.HashFile(path, progress, cancellationToken)
            : await ImageHasher.HashFileAsync(path, progress, cancellationToken);

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override bool CanRead => false;
    }
}
