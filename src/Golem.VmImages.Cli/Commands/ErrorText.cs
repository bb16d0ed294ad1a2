using System.Globalization;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Messages the commands print, in the user's terms (no parameter or type names).</summary>
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

    public static string OutputExists(string option, string path) =>
        string.Format(CultureInfo.InvariantCulture, "{0} '{1}' already exists; remove it first or name another file.", option, path);

    public static string OutputExistsUnlessForced(string option, string path, string force) =>
        string.Format(CultureInfo.InvariantCulture, "{0} '{1}' already exists; remove it, name another file or pass {2} to replace it.", option, path, force);

    public static string NotHttpUrl(string option, string url) =>
        string.Format(CultureInfo.InvariantCulture, "{0} '{1}' is not an http or https URL; providers download images over HTTP.", option, url);

    public static string TargetIsAFile(string to) =>
        string.Format(CultureInfo.InvariantCulture, "--to '{0}' is a file; expected a directory, an http(s) URL or s3://BUCKET.", to);

    public static string OutputIsDirectory(string option, string path) =>
        string.Format(CultureInfo.InvariantCulture, "{0} '{1}' is a directory; expected a file path.", option, path);

    public static string ExclusiveOptions(string first, string second) =>
        string.Format(CultureInfo.InvariantCulture, "{0} and {1} cannot be used together; give one of them.", first, second);

    /// <summary>
    /// What <paramref name="exception"/> says, in the user's terms: file errors as coreutils words them, and an
    /// argument error without the C# parameter name .NET appends to it.
    /// </summary>
    public static string Describe(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        ArgumentException { ParamName: { } name } argument => FirstLine(argument.Message).Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal),
        _ => exception.Message,
    };

    /// <summary>The first line: .NET adds an "Actual value was ..." line to an out-of-range message.</summary>
    private static string FirstLine(string message) => message.IndexOf('\n', StringComparison.Ordinal) is var end and >= 0 ? message[..end] : message;

    public static string PushNoUser =>
        "A tagged push needs a registry user name; expected --user or the REGISTRY_USER environment variable.";

    public static string PushNoToken =>
        "A tagged push needs a personal access token; expected --token-file FILE (or - for standard input) or the REGISTRY_TOKEN environment variable.";
}
