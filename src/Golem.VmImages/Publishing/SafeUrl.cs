namespace Golem.VmImages.Publishing;

/// <summary>Writes URLs into messages without the secrets they may carry: user info, query (signatures, tokens) and fragment.</summary>
internal static class SafeUrl
{
    public static string Describe(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return "(relative URL)";
        }

        var text = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return string.IsNullOrEmpty(url.Query) ? text : text + "?(query hidden)";
    }
}
