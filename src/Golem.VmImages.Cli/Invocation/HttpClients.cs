using Golem.VmImages.Http;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// The one place gvmi makes its HTTP clients: every request carries the Golem User-Agent, connections time out after
/// <see cref="ConnectTimeout"/>, and redirects and credentials are as the caller asks (an upload that carries a token
/// never follows a redirect; a provider's view of a URL sends no credentials).
/// </summary>
internal static class HttpClients
{
    /// <summary>How long opening a connection may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A new client; <paramref name="timeout"/> bounds each whole request (infinite by default, for uploads of any size).</summary>
    public static HttpClient Create(bool followRedirects = true, bool sendCredentials = true, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, AllowAutoRedirect = followRedirects };
        if (!sendCredentials)
        {
            handler.Credentials = null;
        }

        return GolemUserAgent.Apply(new HttpClient(handler) { Timeout = timeout ?? Timeout.InfiniteTimeSpan });
    }
}
