using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// The one line a command line that does not parse gets: an unknown command or option named with the closest valid
/// name, an option value outside its list shown with the values as the user types them, never a CLR type name or an
/// escape sequence.
/// </summary>
internal static class ParseErrorText
{
    /// <summary>The message for <paramref name="parseResult"/>'s first problem, or null when it parsed.</summary>
    public static string? Describe(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var command = parseResult.CommandResult.Command;
        var stray = StrayOptions.Find(parseResult);
        if (stray is null && parseResult.Errors.Count == 0)
        {
            return null;
        }

        // A mistyped option first (it may have made its value look like a stray argument), then any other word.
        if ((stray ?? parseResult.UnmatchedTokens.FirstOrDefault(t => t.Length > 1 && t[0] == '-')) is { } option)
        {
            return UnknownOption(command, option);
        }

        if (parseResult.UnmatchedTokens.Count > 0)
        {
            return Unknown(parseResult, command, parseResult.UnmatchedTokens[0]);
        }

        if (parseResult.Errors.Count == 0)
        {
            return null;
        }

        var error = parseResult.Errors[0];
        return OptionOf(error.SymbolResult) is { } invalid && ValueProblem(parseResult, invalid) is { } problem ? problem : error.Message;
    }

    private static string Unknown(ParseResult parseResult, Command command, string token)
    {
        if (command.Subcommands.Count > 0)
        {
            var name = CliInvocation.NameOf(parseResult.CommandResult);
            var closest = Suggestions.Closest(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            return closest is null
                ? $"'{token}' is not a {name} command; the commands are {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}."
                : $"'{token}' is not a {name} command; did you mean '{closest}'?";
        }

        return $"unexpected argument '{token}'.";
    }

    private static string UnknownOption(Command command, string token)
    {
        var name = token.Split('=', 2)[0];
        var closest = Suggestions.Closest(name, OptionNames(command));
        return closest is null ? $"unrecognized option '{name}'" : $"unrecognized option '{name}'; did you mean '{closest}'?";
    }

    /// <summary>The option names valid on <paramref name="command"/>: its own and the recursive ones of its parents.</summary>
    private static IEnumerable<string> OptionNames(Command command)
    {
        var options = new List<Option>(command.Options);
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options.AddRange(parent.Options.Where(o => o.Recursive));
        }

        return options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
    }

    private static Option? OptionOf(SymbolResult? result) => result switch
    {
        OptionResult option => option.Option,
        ArgumentResult { Parent: OptionResult option } => option.Option,
        _ => null,
    };

    /// <summary>A value of an option that takes one of a few words (an enum or a fixed list) that is none of them.</summary>
    private static string? ValueProblem(ParseResult parseResult, Option option)
    {
        var words = AllowedWords(option);
        if (words is null)
        {
            return null;
        }

        var given = parseResult.GetResult(option)?.Tokens.Select(t => t.Value).LastOrDefault() ?? string.Empty;
        return string.Format(CultureInfo.InvariantCulture, "{0} '{1}' is not valid; expected {2}.", option.Name, given, Join(words));
    }

    private static List<string>? AllowedWords(Option option)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        if (type.IsEnum)
        {
            return [.. Enum.GetNames(type).Select(n => n.ToLowerInvariant())];
        }

        var completions = option.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label).ToList();
        return completions.Count > 0 ? completions : null;
    }

    private static string Join(List<string> words) =>
        words.Count == 1 ? words[0] : string.Join(", ", words.Take(words.Count - 1)) + " or " + words[^1];
}
