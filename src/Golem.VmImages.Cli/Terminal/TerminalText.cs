using System.Globalization;
using System.Text;

namespace Golem.VmImages.Cli;

/// <summary>
/// Makes text from files, image configs and servers safe to print on a terminal: control characters (an escape
/// sequence in an image's Env, a carriage return in a file name) and unpaired surrogates are shown as escapes such
/// as <c>\x1b</c>, <c>\r</c> or <c>\ud800</c> instead of reaching the terminal.
/// </summary>
internal static class TerminalText
{
    /// <summary>Whether <paramref name="text"/> holds anything <see cref="Escape"/> would change.</summary>
    public static bool NeedsEscaping(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text, i, out var width))
            {
                return true;
            }

            i += width - 1;
        }

        return false;
    }

    /// <summary><paramref name="text"/> with every control character and unpaired surrogate escaped; backslashes are kept as they are.</summary>
    public static string Escape(string text)
    {
        if (!NeedsEscaping(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsUnsafe(text, i, out var width))
            {
                result.Append(text, i, width);
                i += width - 1;
                continue;
            }

            var c = text[i];
            result.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsSurrogate(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
            });
        }

        return result.ToString();
    }

    private static bool IsUnsafe(string text, int index, out int width)
    {
        var c = text[index];
        width = 1;
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return false;
        }

        return char.IsSurrogate(c) || char.IsControl(c) || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
    }
}
