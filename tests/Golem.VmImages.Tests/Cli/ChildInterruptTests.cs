using Golem.VmImages.Cli.Invocation;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Cli;

/// <summary><see cref="ChildInterrupt"/> waits on the caller's clock, so a fake clock decides when the window closes.</summary>
[CancelAfter(30_000)]
public sealed class ChildInterruptTests
{
    [Test]
    public async Task WaitAsync_FakeClock_ReturnsOnlyWhenTheClockPassesTheWindow()
    {
        var time = new FakeTimeProvider();

        var wait = ChildInterrupt.WaitAsync(time, CancellationToken.None);

        // Longer than the window by the system clock: the fake clock has not moved, so the wait goes on.
        await Task.WhenAny(wait, Task.Delay(ChildInterrupt.Window * 3));
        Assert.That(wait.IsCompleted, Is.False, "the window is timed by the caller's clock");

        time.Advance(ChildInterrupt.Window);
        await wait;
        Assert.That(wait.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task WaitAsync_Canceled_ReturnsAtOnceWithoutThrowing()
    {
        using var interrupt = new CancellationTokenSource();
        var wait = ChildInterrupt.WaitAsync(new FakeTimeProvider(), interrupt.Token);

        await interrupt.CancelAsync();

        await wait;
        Assert.That(wait.IsCompletedSuccessfully, Is.True);
    }
}
