using System.CommandLine;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Invocation;
using Microsoft.Extensions.Time.Testing;

namespace Golem.VmImages.Tests.Cli;

/// <summary>The grace period after Ctrl-C runs on the invocation's clock, so a fake clock decides when gvmi gives up.</summary>
[CancelAfter(30_000)]
public sealed class CliInvocationClockTests
{
    [Test]
    public async Task RunAsync_CommandIgnoringCtrlC_ExitsOneHundredThirtyWhenTheClocksGracePeriodEnds()
    {
        var stuck = new TaskCompletionSource<int>();
        var command = new Command("stuck");
        command.SetAction((_, _) => stuck.Task);
        var root = new RootCommand { command };
        var time = new FakeTimeProvider();
        using var interrupt = new CancellationTokenSource();
        using var error = new StringWriter { NewLine = "\n" };

        var run = CliInvocation.RunAsync(root, ["stuck"], TextWriter.Null, error, time, interrupt.Token);
        await interrupt.CancelAsync();

        // Longer than the grace period by the system clock: the fake clock has not moved, so gvmi still waits.
        await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2.5)));
        Assert.That(run.IsCompleted, Is.False, "the grace period is timed by the invocation's clock");

        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(run, Task.Delay(50));
        }

        Assert.That(await run, Is.EqualTo(ExitCodes.Canceled));
        Assert.That(error.ToString(), Is.EqualTo("gvmi stuck: interrupted\n"));
        stuck.SetResult(0);
    }
}
