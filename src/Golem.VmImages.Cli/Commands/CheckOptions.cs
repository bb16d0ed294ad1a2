using System.CommandLine;
using System.CommandLine.Parsing;
using Golem.VmImages.Cli.Checksums;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>--status</c>, <c>--strict</c>, <c>--ignore-missing</c> and <c>-w/--warn</c>, as <c>sha256sum -c</c> has them.</summary>
internal sealed class CheckOptions
{
    public Option<bool> Status { get; } = new("--status") { Description = "Print nothing on standard output; the exit code tells." };

    public Option<bool> Strict { get; } = new("--strict") { Description = "Exit 1 when a line is improperly formatted." };

    public Option<bool> IgnoreMissing { get; } = new("--ignore-missing") { Description = "Don't fail or report for a listed file that does not exist." };

    public Option<bool> Warn { get; } = new("--warn", "-w") { Description = "Report each improperly formatted line." };

    private IEnumerable<Option<bool>> All => [Status, Strict, IgnoreMissing, Warn];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The name of the first of these options given, or null.</summary>
    public string? FirstGiven(ParseResult parseResult) => All.FirstOrDefault(parseResult.GetValue)?.Name;

    /// <summary>
    /// The check's options. Of <c>--status</c>, <c>--warn</c> and <c>--quiet</c> the last one given wins, as in
    /// coreutils (each turns the other two off).
    /// </summary>
    public ChecksumCheckOptions Read(ParseResult parseResult, int? bitLength, Option<bool> quiet)
    {
        Option<bool>? last = null;
        foreach (var token in parseResult.Tokens)
        {
            if (token.Type == TokenType.Option && new[] { Status, Warn, quiet }.FirstOrDefault(o => o.Name == token.Value || o.Aliases.Contains(token.Value)) is { } option)
            {
                last = option;
            }
        }

        return new(
            bitLength,
            last == quiet,
            last == Status,
            parseResult.GetValue(Strict),
            parseResult.GetValue(IgnoreMissing),
            last == Warn);
    }
}
