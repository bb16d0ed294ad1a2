using System.Net;

namespace Golem.VmImages.Publishing;

/// <summary>Reads the credentials for a host from a <c>.netrc</c> file (<c>machine</c>, <c>default</c>, <c>login</c>, <c>password</c>, <c>macdef</c> skipped).</summary>
internal static class Netrc
{
    public static NetworkCredential? Find(string text, string host)
    {
        var tokens = Tokenize(text).ToList();
        NetworkCredential? fallback = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var isMachine = tokens[i] == "machine" && i + 1 < tokens.Count;
            if (!isMachine && tokens[i] != "default")
            {
                continue;
            }

            var matches = isMachine && string.Equals(tokens[i + 1], host, StringComparison.OrdinalIgnoreCase);
            string? login = null;
            string? password = null;
            var j = isMachine ? i + 2 : i + 1;
            for (; j + 1 < tokens.Count && tokens[j] is not ("machine" or "default"); j += 2)
            {
                if (tokens[j] == "login")
                {
                    login = tokens[j + 1];
                }
                else if (tokens[j] == "password")
                {
                    password = tokens[j + 1];
                }
            }

            i = j - 1;
            if (login is null || password is null)
            {
                continue;
            }

            if (matches)
            {
                return new NetworkCredential(login, password);
            }

            if (!isMachine)
            {
                fallback ??= new NetworkCredential(login, password);
            }
        }

        return fallback;
    }

    private static IEnumerable<string> Tokenize(string text)
    {
        var lines = text.Split('\n');
        for (var l = 0; l < lines.Length; l++)
        {
            var words = lines[l].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0 && words[0] == "macdef")
            {
                while (l + 1 < lines.Length && lines[l + 1].Trim().Length > 0)
                {
                    l++;
                }

                continue;
            }

            foreach (var word in words)
            {
                if (word.StartsWith('#'))
                {
                    break;
                }

                yield return word;
            }
        }
    }
}
