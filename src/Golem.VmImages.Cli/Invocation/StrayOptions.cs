using System.CommandLine;
using System.CommandLine.Parsing;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// Finds a word that looks like an option but was taken as a file name or other argument, as in
/// <c>gvmi hash --jsn f</c>. After <c>--</c> every word is an argument, so <c>gvmi hash -- -f</c> hashes the file <c>-f</c>.
/// </summary>
internal static class StrayOptions
{
    /// <summary>The first such word, or null when there is none.</summary>
    public static string? Find(ParseResult parseResult)
    {
        var end = IndexOfDoubleDash(parseResult.Tokens);
        foreach (var argument in parseResult.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-' && PositionOf(parseResult.Tokens, token) < end)
                {
                    return token.Value;
                }
            }
        }

        return null;
    }

    private static int IndexOfDoubleDash(IReadOnlyList<Token> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.DoubleDash)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static int PositionOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], token))
            {
                return i;
            }
        }

        return -1;
    }
}
