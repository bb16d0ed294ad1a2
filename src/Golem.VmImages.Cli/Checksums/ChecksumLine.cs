using System.Diagnostics.CodeAnalysis;

namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// One line of <c>sha3sum -a 224</c> output, <c>&lt;hex&gt;  &lt;file&gt;</c>. As in coreutils, a file name holding a
/// backslash or a line break is escaped and the line starts with a backslash; <c> *</c> (binary mode) is read too.
/// </summary>
internal static class ChecksumLine
{
    public static string Format(ImageHash hash, string fileName)
    {
        var escape = fileName.AsSpan().IndexOfAny('\\', '\n', '\r') >= 0;
        return escape
            ? $"\\{hash}  {fileName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}"
            : $"{hash}  {fileName}";
    }

    public static bool TryParse(string line, out ImageHash hash, [NotNullWhen(true)] out string? fileName)
    {
        fileName = null;
        var escaped = line.StartsWith('\\');
        var text = escaped ? line.AsSpan(1) : line.AsSpan();
        if (text.Length < ImageHash.HexLength + 3
            || !ImageHash.TryParse(text[..ImageHash.HexLength], out hash)
            || text[ImageHash.HexLength] != ' '
            || text[ImageHash.HexLength + 1] is not (' ' or '*'))
        {
            hash = default;
            return false;
        }

        var name = text[(ImageHash.HexLength + 2)..].ToString();
        fileName = escaped ? Unescape(name) : name;
        return fileName is not null;
    }

    private static string? Unescape(string name)
    {
        var result = new System.Text.StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '\\')
            {
                result.Append(name[i]);
                continue;
            }

            if (++i == name.Length)
            {
                return null;
            }

            switch (name[i])
            {
                case '\\': result.Append('\\'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                default: return null;
            }
        }

        return result.ToString();
    }
}
