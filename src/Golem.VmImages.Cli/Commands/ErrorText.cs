using System.Globalization;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Messages the commands print for bad command-line input.</summary>
internal static class ErrorText
{
    public static string NotAbsoluteUrl(string url) =>
        string.Format(CultureInfo.InvariantCulture, "The URL '{0}' is not an absolute URL; expected something like 'http://example.org/app.gvmi'.", url);

    public static string NotImageHash(string text, string reason) =>
        string.Format(CultureInfo.InvariantCulture, "'{0}' is not an image hash: {1}", text, reason);

    public static string TagAndHash => "Neither or both of --tag and --hash were given; expected exactly one of them.";

    public static string CompressionRefused(string name) =>
        string.Format(CultureInfo.InvariantCulture, "The compression '{0}' is refused: the provider VM's kernel cannot mount {0} squashfs images, so the image would not boot; use lzo (default), gzip, lz4 or xz.", name);

    public static string CompressionUnknown(string name) =>
        string.Format(CultureInfo.InvariantCulture, "Unknown compression '{0}'; expected lzo, gzip, lz4 or xz.", name);
}
