using System.CommandLine;
using Golem.VmImages.Building;
using Golem.VmImages.Cli;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Oci;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;
using Spectre.Console.Testing;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// The progress line on a Spectre.Console test terminal: the clock is fake and the line is drawn only when the test
/// calls <see cref="ProgressDisplay.Redraw"/>, so nothing depends on timing.
/// </summary>
public sealed class ProgressDisplayTests
{
    private const string CursorToColumnOne = "\u001b[1G";
    private const string EraseWholeLine = "\u001b[2K";

    [Test]
    public async Task WriteLineAsync_AfterARedraw_ErasesTheLineBeforeTheResult()
    {
        using var terminal = new TestConsole().Width(80).EmitAnsiSequences();
        var screen = terminal.Profile.Out.Writer;
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "hashing", 4L << 30, Settings(terminal, time));
        await using (display)
        {
            Step(display, time, "hashing", 1L << 30, 4L << 30, TimeSpan.FromSeconds(4));

            await display.WriteLineAsync(screen, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  big.gvmi");
        }

        var output = terminal.Output;
        var result = output.IndexOf("e642824c", StringComparison.Ordinal);
        Assert.That(output[..result], Does.Contain("hashing: 1.0 GiB of 4.0 GiB"));
        Assert.That(output[..result], Does.EndWith(CursorToColumnOne + EraseWholeLine), "the progress line is erased right before the result");
        Assert.That(output[result..], Does.StartWith("e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf  big.gvmi\n"));
    }

    [Test]
    public async Task DisposeAsync_AfterARedraw_LeavesNoProgressOnTheLine()
    {
        using var terminal = new TestConsole().Width(80).EmitAnsiSequences();
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "fetching", 1L << 30, Settings(terminal, time));
        await using (display)
        {
            Step(display, time, "fetching", 1L << 20, 1L << 30, TimeSpan.FromSeconds(1));
        }

        Assert.That(terminal.Output, Does.Contain("fetching: 1.0 MiB").And.EndWith(CursorToColumnOne + EraseWholeLine));
    }

    [TestCase(20)]
    [TestCase(32)]
    [TestCase(45)]
    public async Task Redraw_NarrowTerminal_FitsInOneLineThatNeverWraps(int width)
    {
        using var terminal = new TestConsole().Width(width).EmitAnsiSequences();
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "hashing 12 files", 40L << 30, Settings(terminal, time));
        await using (display)
        {
            foreach (var done in new[] { 1L << 20, 3L << 30, 39L << 30 })
            {
                Step(display, time, "hashing 12 files", done, 40L << 30, TimeSpan.FromSeconds(3));
            }
        }

        var drawn = Drawn(terminal.Output);
        Assert.That(drawn, Has.Count.EqualTo(3));
        Assert.That(drawn, Has.All.Length.LessThan(width), "a line as wide as the terminal would wrap");
        Assert.That(drawn, Has.All.StartWith("hashing 12 files:"));
        Assert.That(terminal.Output, Does.Not.Contain("\n"), "every redraw stays on the same line");
    }

    [Test]
    public async Task Redraw_MoreThanAnHourLeft_ShowsHoursInTheEta()
    {
        using var terminal = new TestConsole().Width(120).EmitAnsiSequences();
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "fetching", 10L << 30, Settings(terminal, time));
        await using (display)
        {
            // 1 MiB in one second leaves 10239 MiB at 1 MiB/s: 2 h 50 min 39 s.
            Step(display, time, "fetching", 1L << 20, 10L << 30, TimeSpan.FromSeconds(1));
        }

        Assert.That(Drawn(terminal.Output), Is.EqualTo(new[] { "fetching: 1.0 MiB of 10.0 GiB (0%), 1.0 MiB/s, ETA 2:50:39" }));
    }

    [Test]
    public async Task Redraw_NotATerminal_WritesWholeLinesWithoutEscapeSequences()
    {
        using var file = new StringWriter { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(file), Ansi = AnsiSupport.No });
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "hashing", 2L << 20, Settings(console, time));
        await using (display)
        {
            Step(display, time, "hashing", 1L << 20, 2L << 20, TimeSpan.FromSeconds(1));
            await display.WriteLineAsync(file, "result");
        }

        Assert.That(file.ToString(), Is.EqualTo("hashing: 1.0 MiB of 2.0 MiB (50%), 1.0 MiB/s, ETA 00:01\nresult\n"));
    }

    [Test]
    public async Task Start_Never_DrawsNothing()
    {
        using var terminal = new TestConsole().Width(80).EmitAnsiSequences();
        var display = ProgressDisplay.Start(TextWriter.Null, "hashing", 4L << 30, new ProgressSettings(ProgressMode.Never) { Terminal = terminal, Time = new FakeTimeProvider(), RedrawInterval = Timeout.InfiniteTimeSpan });
        await using (display)
        {
            display.Update("hashing", 1L << 30, 4L << 30);
            display.Redraw();
            await display.WriteLineAsync(terminal.Profile.Out.Writer, "result");
        }

        Assert.That(display.IsDrawing, Is.False);
        Assert.That(terminal.Output, Is.EqualTo("result\n"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Start_AutoOnATerminal_SmallWork_DrawsAfterOneSecondNotBefore()
    {
        // 139 MiB used to stay silent (the line came only from 256 MiB); now any long work shows it within a second.
        using var terminal = new TestConsole().Width(80).EmitAnsiSequences();
        terminal.Profile.Out = new TerminalOutput(terminal.Profile.Out.Writer);
        var time = new FakeTimeProvider();
        var display = ProgressDisplay.Start(TextWriter.Null, "building", 139L << 20, new ProgressSettings(ProgressMode.Auto) { Terminal = terminal, Time = time });
        await using (display)
        {
            display.Update("building", 1L << 20, 139L << 20);
            time.Advance(TimeSpan.FromMilliseconds(750));
            await Task.Delay(200);
            var early = terminal.Output;
            while (!terminal.Output.Contains("building: 1.0 MiB", StringComparison.Ordinal))
            {
                time.Advance(TimeSpan.FromMilliseconds(250));
                await Task.Delay(50);
            }

            Assert.That(early, Does.Not.Contain("building:"), "nothing is drawn in the first second");
            Assert.That(time.GetUtcNow() - new FakeTimeProvider().GetUtcNow(), Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(1500)));
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task BuildProgressDisplay_Pull_ShowsTheLayersDownloadThenTheBuildOnOneLine()
    {
        using var terminal = new TestConsole().Width(100).EmitAnsiSequences();
        var time = new FakeTimeProvider();
        var display = new BuildProgressDisplay(TextWriter.Null, "building app.gvmi", new ProgressSettings(ProgressMode.Always) { Terminal = terminal, Time = time, RedrawInterval = TimeSpan.FromMilliseconds(100) }, CancellationToken.None);
        await using (display)
        {
            IProgress<OciLayerProgress> layers = display;
            IProgress<GvmiBuildProgress> build = display;
            layers.Report(new OciLayerProgress(0, 2, "sha256:" + new string('a', 64), 1L << 20, 2L << 20, false));
            layers.Report(new OciLayerProgress(1, 2, "sha256:" + new string('b', 64), 0, 2L << 20, false));
            build.Report(new GvmiBuildProgress(GvmiBuildStage.Merging, 1L << 20, 8L << 20));
            await DrawnUntilAsync(terminal, time, "building app.gvmi: pulling layer 2 of 2: 1.0 MiB of 4.0 MiB");

            layers.Report(new OciLayerProgress(0, 2, "sha256:" + new string('a', 64), 2L << 20, 2L << 20, false));
            layers.Report(new OciLayerProgress(1, 2, "sha256:" + new string('b', 64), 2L << 20, 2L << 20, false));
            build.Report(new GvmiBuildProgress(GvmiBuildStage.Writing, 6L << 20, 8L << 20));
            await DrawnUntilAsync(terminal, time, "building app.gvmi: 6.0 MiB of 8.0 MiB (75%)");
        }

        Assert.That(Drawn(terminal.Output).Where(line => line.Length > 0), Has.All.StartWith("building app.gvmi: "));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task BuildProgressDisplay_LocalSource_ShowsTheBuildsBytesFromItsFirstReport()
    {
        using var terminal = new TestConsole().Width(100).EmitAnsiSequences();
        var time = new FakeTimeProvider();
        var display = new BuildProgressDisplay(TextWriter.Null, "building app.gvmi", new ProgressSettings(ProgressMode.Always) { Terminal = terminal, Time = time, RedrawInterval = TimeSpan.FromMilliseconds(100) }, CancellationToken.None);
        await using (display)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            IProgress<GvmiBuildProgress> build = display;
            build.Report(new GvmiBuildProgress(GvmiBuildStage.Merging, 2L << 20, 8L << 20));

            // The rate counts from the first report, not from when the display was made ten seconds earlier.
            time.Advance(TimeSpan.FromSeconds(1));
            await DrawnUntilAsync(terminal, time, "building app.gvmi: 2.0 MiB of 8.0 MiB (25%), 2.0 MiB/s");
        }
    }

    /// <summary>Moves the fake clock in redraw steps until a drawn line starts with <paramref name="expected"/>.</summary>
    private static async Task DrawnUntilAsync(TestConsole terminal, FakeTimeProvider time, string expected)
    {
        while (!Drawn(terminal.Output).Any(line => line.StartsWith(expected, StringComparison.Ordinal)))
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(20);
        }
    }

    public static IEnumerable<TestCaseData> LongCommands()
    {
        yield return new TestCaseData(HashCommand.Create()).SetArgDisplayNames("hash");
        yield return new TestCaseData(CheckCommand.Create()).SetArgDisplayNames("check");
        yield return new TestCaseData(PackageCommand.Create()).SetArgDisplayNames("package");
        yield return new TestCaseData(FetchCommand.Create()).SetArgDisplayNames("fetch");
        yield return new TestCaseData(BuildCommand.Create()).SetArgDisplayNames("build");
        yield return new TestCaseData(PublishCommand.Create()).SetArgDisplayNames("publish");
        yield return new TestCaseData(PushCommand.Create()).SetArgDisplayNames("push");
    }

    [TestCaseSource(nameof(LongCommands))]
    public void LongCommand_HasQuietAndProgressOptions(Command command)
    {
        Assert.That(command.Options.SelectMany(o => o.Aliases.Append(o.Name)), Is.SupersetOf(new[] { "--quiet", "-q", "--progress" }));
    }

    /// <summary>A test terminal's output that says it is a terminal, as an interactive standard error does.</summary>
    private sealed class TerminalOutput(TextWriter writer) : IAnsiConsoleOutput
    {
        public TextWriter Writer => writer;

        public bool IsTerminal => true;

        public int Width => 80;

        public int Height => 24;

        public void SetEncoding(System.Text.Encoding encoding)
        {
        }
    }

    /// <summary>One step of a long command: progress reported, time passing, then the redraw the timer would make.</summary>
    private static void Step(ProgressDisplay display, FakeTimeProvider time, string label, long done, long total, TimeSpan elapsed)
    {
        display.Update(label, done, total);
        time.Advance(elapsed);
        display.Redraw();
    }

    private static ProgressSettings Settings(IAnsiConsole terminal, TimeProvider time) =>
        new(ProgressMode.Always) { Terminal = terminal, Time = time, RedrawInterval = Timeout.InfiniteTimeSpan };

    /// <summary>The text of every redraw: what follows a move to column one, up to the erase of the rest of the line.</summary>
    private static List<string> Drawn(string output) =>
        output.Split(CursorToColumnOne)
            .Where(part => part.EndsWith("\u001b[0K", StringComparison.Ordinal))
            .Select(part => part[..^"\u001b[0K".Length])
            .ToList();
}
