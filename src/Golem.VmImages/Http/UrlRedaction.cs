using System.Text;

namespace Golem.VmImages.Http;

/// <summary>
/// The one way a URL is shown: in messages, logs, progress, results and CLI output. The user name and password
/// (basic auth) become <c>***</c> and a query string (a presigned URL's signature) becomes <c>?…</c>, so what is shown
/// is <c>scheme://[***:***@]host[:port]/path[?…]</c> and never a secret.
/// </summary>
public static class UrlRedaction
{
    private const string Hidden = "***";
    private const string HiddenQuery = "?…";

    /// <summary>Gets the text of <paramref name="url"/> without its secrets.</summary>
    /// <param name="url">The URL, absolute or relative.</param>
    /// <returns>The URL with its user info shown as <c>***</c> and its query as <c>?…</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            // A relative URL has no user info; only its query can hold a secret.
            var text = url.OriginalString;
            var query = text.IndexOf('?', StringComparison.Ordinal);
            return query < 0 ? text : string.Concat(text.AsSpan(0, query), HiddenQuery);
        }

        var builder = new StringBuilder(url.Scheme).Append("://");
        if (url.UserInfo.Length > 0)
        {
            builder.Append(Hidden);
            if (url.UserInfo.Contains(':', StringComparison.Ordinal))
            {
                builder.Append(':').Append(Hidden);
            }

            builder.Append('@');
        }

        builder.Append(url.IsFile ? string.Empty : url.Authority).Append(url.AbsolutePath);
        if (url.Query.Length > 0)
        {
            builder.Append(HiddenQuery);
        }

        return builder.ToString();
    }

    /// <summary>Gets <paramref name="url"/> as a <see cref="Uri"/> that holds no secret, for the URLs the fetcher hands out (exceptions, progress, results).</summary>
    /// <param name="url">The URL.</param>
    /// <returns><paramref name="url"/> itself when it holds no secret; otherwise its redacted form.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    public static Uri ToSafeUri(Uri url) =>
        url is null ? throw new ArgumentNullException(nameof(url)) : url.IsAbsoluteUri && (url.UserInfo.Length > 0 || url.Query.Length > 0) ? new Uri(Redact(url)) : url;
}
