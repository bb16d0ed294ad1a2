namespace Golem.VmImages.Cli.Commands;

/// <summary>Words of a suggested next command, quoted for a POSIX shell where they need it.</summary>
internal static class ShellWord
{
    /// <summary><paramref name="word"/>, in single quotes when it holds white space or shell syntax.</summary>
    public static string Quote(string word) =>
        word.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\' or '`' or ';' or '&' or '|' or '(' or ')' or '<' or '>' or '*' or '?')
            ? "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'"
            : word;
}
