using System.Net.Http.Headers;
using System.Reflection;

namespace Golem.VmImages.Http;

/// <summary>
/// The <c>User-Agent</c> the library sends to image registries and image servers: <c>Golem.VmImages/&lt;version&gt;</c>,
/// so a server's operator can tell its clients apart.
/// </summary>
public static class GolemUserAgent
{
    /// <summary>The product token, for example <c>Golem.VmImages/0.3.0</c>.</summary>
    public static ProductInfoHeaderValue Value { get; } = new("Golem.VmImages", Version());

    /// <summary>Adds the token to <paramref name="client"/>'s default headers.</summary>
    /// <param name="client">The client whose requests should carry the token.</param>
    /// <returns><paramref name="client"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    public static HttpClient Apply(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.UserAgent.Add(Value);
        return client;
    }

    private static string Version()
    {
        var assembly = typeof(GolemUserAgent).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var version = informational ?? assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }
}
