using System.Net;
using System.Net.Sockets;

namespace Golem.VmImages.Cli.Serving;

/// <summary>The sockets <c>gvmi serve</c> listens on, from its <c>--bind</c> values, and the host its URLs name by default.</summary>
internal sealed record ListenEndpoints(IReadOnlyList<IPAddress> Addresses, string UrlHost)
{
    /// <summary>Whether any address is a wildcard (every interface), whose URLs other machines cannot use.</summary>
    public bool IncludesWildcard => Addresses.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any));

    /// <summary>
    /// Parses IP addresses (IPv6 with or without brackets) and <c>localhost</c> (127.0.0.1, and ::1 where the
    /// machine has IPv6); the first value names the host in the advertised URLs.
    /// </summary>
    public static ListenEndpoints Parse(IReadOnlyList<string> binds)
    {
        var addresses = new List<IPAddress>();
        string? urlHost = null;
        foreach (var bind in binds)
        {
            var text = bind.Trim();
            if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                addresses.Add(IPAddress.Loopback);
                if (Socket.OSSupportsIPv6 && HasIPv6Loopback())
                {
                    addresses.Add(IPAddress.IPv6Loopback);
                }

                urlHost ??= "localhost";
                continue;
            }

            var literal = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
            if (!IPAddress.TryParse(literal, out var address))
            {
                throw new ServeStartupException(ExitCodes.Usage, ServeMessages.UnknownBindAddress(bind));
            }

            addresses.Add(address);
            urlHost ??= address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        }

        if (addresses.Count == 0)
        {
            throw new ServeStartupException(ExitCodes.Usage, ServeMessages.UnknownBindAddress(string.Empty));
        }

        return new ListenEndpoints(addresses.Distinct().ToList(), urlHost!);
    }

    private static bool HasIPv6Loopback()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
