using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// One line per request on the access log: time (UTC), client, method, target, protocol, Range, status, body bytes
/// sent and duration, plus <c>aborted</c> when the client or the server cut the transfer. Text from the request is
/// escaped so a line cannot be forged.
/// </summary>
internal sealed class AccessLog(TextWriter? writer, TimeProvider timeProvider)
{
    /// <summary>Writes the line for <paramref name="context"/>, whose handling started at <paramref name="startTimestamp"/>.</summary>
    public void Write(HttpContext context, long startTimestamp, long bytesSent)
    {
        if (writer is null)
        {
            return;
        }

        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
        var range = request.Headers.Range.Count == 0 ? "-" : request.Headers.Range.ToString();
        var elapsed = timeProvider.GetElapsedTime(startTimestamp);
        var line = new StringBuilder(160)
            .Append(timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(ClientOf(context)).Append(" \"");
        AppendEscaped(line, request.Method).Append(' ');
        AppendEscaped(line, target).Append(' ');
        AppendEscaped(line, request.Protocol).Append("\" range=\"");
        AppendEscaped(line, range).Append("\" ")
            .Append(context.Response.StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(bytesSent.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)).Append("ms");
        if (context.RequestAborted.IsCancellationRequested)
        {
            line.Append(" aborted");
        }

        writer.WriteLine(line.ToString());
    }

    /// <summary>The client's address and port, as the access log and error lines name it.</summary>
    public static string ClientOf(HttpContext context)
    {
        var connection = context.Connection;
        if (connection.RemoteIpAddress is not { } address)
        {
            return "-";
        }

        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{connection.RemotePort}")
            : string.Create(CultureInfo.InvariantCulture, $"{ip}:{connection.RemotePort}");
    }

    /// <summary>The timestamp to pass to <see cref="Write"/>.</summary>
    public long Start() => timeProvider.GetTimestamp();

    private static StringBuilder AppendEscaped(StringBuilder line, string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or '"' or '\\' or > '~')
            {
                line.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                line.Append(c);
            }
        }

        return line;
    }
}
