using System.CommandLine;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>-q/--quiet</c> and <c>--progress auto|always|never</c>, the same on every long command.</summary>
internal sealed class ProgressOptions
{
    public ProgressOptions(string quietDescription = "Print no progress line.")
    {
        Quiet = new Option<bool>("--quiet", "-q") { Description = quietDescription };
        Progress = new Option<ProgressMode>("--progress")
        {
            Description = "When to draw the progress line on standard error: auto (on a terminal, for long work), always or never.",
            DefaultValueFactory = _ => ProgressMode.Auto,
            HelpName = "auto|always|never",
        };
    }

    public Option<bool> Quiet { get; }

    public Option<ProgressMode> Progress { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Quiet);
        command.Options.Add(Progress);
    }

    /// <summary>The settings the command line asks for; <c>--quiet</c> wins over <c>--progress</c>.</summary>
    public ProgressSettings Read(ParseResult parseResult) =>
        new(parseResult.GetValue(Quiet) ? ProgressMode.Never : parseResult.GetValue(Progress), Output: parseResult.InvocationConfiguration.Output);
}
