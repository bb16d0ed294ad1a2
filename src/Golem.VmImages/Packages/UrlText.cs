namespace Golem.VmImages.Packages;

/// <summary>What the Golem tools require of a URL's text, beyond <see cref="Uri.IsAbsoluteUri"/>.</summary>
internal static class UrlText
{
    /// <summary>
    /// Indicates whether <paramref name="url"/> is absolute and its text starts with its scheme. On Unix, .NET accepts
    /// a rooted path (<c>/srv/a.gvmi</c>) or <c>//host/a</c> as an absolute file URI, but its text, which is what a task
    /// package carries, is no URL to a provider.
    /// </summary>
    public static bool HasScheme(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return false;
        }

        var text = url.OriginalString.AsSpan().TrimStart();
        return text.Length > url.Scheme.Length
            && text[url.Scheme.Length] == ':'
            && text.StartsWith(url.Scheme, StringComparison.OrdinalIgnoreCase);
    }
}
