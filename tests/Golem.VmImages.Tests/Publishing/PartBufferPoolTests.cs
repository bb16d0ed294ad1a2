using Golem.VmImages.Publishing.S3;

namespace Golem.VmImages.Tests.Publishing;

public sealed class PartBufferPoolTests
{
    [Test]
    public async Task RentAsync_AllBuffersInUse_WaitsForAReturnAndHandsTheSameArrayBack()
    {
        var pool = new PartBufferPool(count: 2, size: 1000);
        var first = await pool.RentAsync(CancellationToken.None);
        var second = await pool.RentAsync(CancellationToken.None);

        var third = pool.RentAsync(CancellationToken.None);
        Assert.That(third.IsCompleted, Is.False, "a third buffer is not allocated");
        pool.Return(second);

        Assert.That(await third.AsTask().WaitAsync(TimeSpan.FromSeconds(30)), Is.SameAs(second));
        Assert.That(first, Has.Length.EqualTo(1000).And.Not.SameAs(second));
        Assert.That(pool.Allocated, Is.EqualTo(2));
    }

    [Test]
    public async Task RentAsync_BuffersReturnedOnOtherThreads_AreReusedAcrossManyParts()
    {
        var pool = new PartBufferPool(count: 4, size: 1 << 20);
        var running = new List<Task>();
        for (var part = 0; part < 200; part++)
        {
            var buffer = await pool.RentAsync(CancellationToken.None);
            running.Add(Task.Run(async () =>
            {
                await Task.Yield();
                pool.Return(buffer);
            }));
        }

        await Task.WhenAll(running);
        Assert.That(pool.Allocated, Is.InRange(1, 4));
    }

    [Test]
    public async Task RentAsync_CancelledWhileWaiting_Throws()
    {
        var pool = new PartBufferPool(count: 1, size: 10);
        _ = pool.RentAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = pool.RentAsync(cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.CatchAsync<OperationCanceledException>(() => waiting);
    }
}
