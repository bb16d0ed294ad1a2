using System.Globalization;
using Golem.VmImages.Cli.Commands;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// Writes a command's failure as one line, <c>gvmi COMMAND: sentence</c>: the first line of the message only, control
/// characters escaped, no C# parameter names, file errors in the user's words (the path they typed).
/// </summary>
internal static class ErrorWriter
{
    /// <summary>Writes <paramref name="exception"/> for <paramref name="commandName"/> (for example <c>gvmi build</c>).</summary>
    public static Task WriteAsync(TextWriter error, string commandName, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.WriteLineAsync(Line(commandName, exception));
    }

    /// <summary>The line <see cref="WriteAsync"/> writes.</summary>
    public static string Line(string commandName, Exception exception) => Note(commandName, Sentence(exception));

    /// <summary>
    /// A line that is not a failure (a note, a warning, what an interruption kept) in the form every message takes:
    /// <c>gvmi COMMAND: text</c>, control characters escaped.
    /// </summary>
    public static string Note(string commandName, string text) =>
        string.Create(CultureInfo.InvariantCulture, $"{commandName}: {TerminalText.Escape(text)}");

    /// <summary>The sentence of the line: the first line of what <paramref name="exception"/> says, in the user's terms.</summary>
    public static string Sentence(Exception exception) => FirstLine(Describe(exception));

    /// <summary>What <paramref name="exception"/> says, in the user's terms.</summary>
    private static string Describe(Exception exception) => exception switch
    {
        FileNotFoundException { FileName: { } file } => $"{file}: No such file or directory",
        _ => ErrorText.Describe(exception),
    };

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end];
    }
}
