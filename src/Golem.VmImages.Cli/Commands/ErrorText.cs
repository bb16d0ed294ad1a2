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

    public static string PushNoUser =>
        "A tagged push needs a registry user name; expected --user or the REGISTRY_USER environment variable.";

    public static string PushNoToken =>
        "A tagged push needs a personal access token; expected --token-file FILE (or - for standard input) or the REGISTRY_TOKEN environment variable.";
}
