using System.Security.Cryptography;
using System.Text;

namespace Golem.VmImages.Publishing;

/// <summary>Keys relative to a target: checking them, the content address, and turning them into URLs.</summary>
internal static class PublishKey
{
    /// <summary>Returns the content-addressed key of an image: <c>&lt;sha3-224&gt;.gvmi</c>.</summary>
    public static string ContentAddress(ImageHash hash) => hash + ".gvmi";

    /// <summary>Throws when <paramref name="key"/> is not a relative, slash-separated name without empty, <c>.</c> or <c>..</c> segments.</summary>
    public static void Validate(string key, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key, paramName);
        if (key.Contains('\\', StringComparison.Ordinal) || key.Any(char.IsControl)
            || key.Split('/').Any(segment => segment.Length == 0 || segment is "." or ".."))
        {
            throw new ArgumentException(ErrorMessages.InvalidKey(key), paramName);
        }
    }

    /// <summary>Returns <paramref name="baseUrl"/> with a trailing slash, so relative keys resolve under it.</summary>
    public static Uri AsDirectory(Uri baseUrl) =>
        baseUrl.AbsolutePath.EndsWith('/') ? baseUrl : new UriBuilder(baseUrl) { Path = baseUrl.AbsolutePath + "/" }.Uri;

    /// <summary>Resolves <paramref name="key"/> under <paramref name="directoryUrl"/>, percent-encoding each segment.</summary>
    public static Uri Resolve(Uri directoryUrl, string key) =>
        new(AsDirectory(directoryUrl), string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));

    /// <summary>A name stable across runs for the same file (path, length, modification time), for resumable staging.</summary>
    public static string StagingName(FileInfo file)
    {
        var identity = Encoding.UTF8.GetBytes($"{file.FullName}\n{file.Length}\n{file.LastWriteTimeUtc.Ticks}");
        return "gvmi-upload-" + Convert.ToHexStringLower(SHA256.HashData(identity).AsSpan(0, 12));
    }
}
