using System.Security.Cryptography;
using System.Text;
using Golem.VmImages.Hashing;

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

    /// <summary>
    /// A name stable across runs for the same file, for resumable staging and for finding what a killed run left
    /// (<see cref="StagingNames"/> reads it): <c>gvmi-upload-&lt;source&gt;-&lt;version&gt;</c>, where the source part
    /// hashes the file's full path and the version part its length, modification time and, on Linux, device and inode.
    /// The name lives inside the target (its directory, base URL or bucket prefix), so it is per target as well.
    /// </summary>
    public static string StagingName(FileInfo file)
    {
        FileIdentity identity;
        using (var handle = File.OpenHandle(file.FullName))
        {
            identity = FileIdentity.Of(file.FullName, handle);
        }

        var version = FormattableString.Invariant($"{identity.Length}\n{identity.LastWriteTicks}\n{identity.Device}\n{identity.Inode}");
        return StagingSource(file.FullName) + ShortHash(version);
    }

    /// <summary>The part of <see cref="StagingName"/> shared by every version of the file at <paramref name="fullPath"/>, ending in <c>-</c>.</summary>
    public static string StagingSource(string fullPath) => StagingNames.Prefix + ShortHash(fullPath) + "-";

    private static string ShortHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
}
