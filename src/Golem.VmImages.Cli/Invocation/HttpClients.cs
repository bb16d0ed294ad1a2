using Golem.VmImages.Http;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>
/// The one place gvmi makes its HTTP clients: every request carries the Golem User-Agent, connections time out after
/// <see cref="ConnectTimeout"/>, and redirects and credentials are as the caller asks (an upload that carries a token
/// never follows a redirect; a provider's view of a URL sends no credentials; a registry pull's follows none and trusts
/// the pull's CA file).
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

    /// <summary>A client for a registry pull on <see cref="OciPullOptions.CreateHttpHandler"/> (no redirects followed, the CA file trusted); no whole-request timeout, for layers of any size.</summary>
    public static HttpClient ForPull(OciPullOptions pull)
    {
        var handler = pull.CreateHttpHandler();
        handler.ConnectTimeout = ConnectTimeout;
        return GolemUserAgent.Apply(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan });
    }
}
