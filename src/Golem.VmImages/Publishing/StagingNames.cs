namespace Golem.VmImages.Publishing;

/// <summary>
/// The staging names <see cref="ImagePublisher"/> gives <see cref="IImagePublishTarget.StageAsync"/>:
/// <c>gvmi-upload-&lt;source&gt;-&lt;version&gt;</c>, where the source part (24 lowercase hexadecimal digits) stands for
/// the file's full path and the version part (24 more) for its length, modification time, device and inode. A target
/// that keeps interrupted uploads finds those of earlier versions of the same file by the source part.
/// </summary>
public static class StagingNames
{
    /// <summary>How every staging name begins.</summary>
    public const string Prefix = "gvmi-upload-";

    private const int PartLength = 24;

    /// <summary>Returns the source part of a staging name, <c>gvmi-upload-&lt;source&gt;-</c>.</summary>
    /// <param name="stagingName">A name, with no folder.</param>
    /// <returns>The source part (ending in <c>-</c>), or <see langword="null"/> when <paramref name="stagingName"/> is not a staging name.</returns>
    public static string? SourceOf(string stagingName)
    {
        ArgumentNullException.ThrowIfNull(stagingName);
        var sourceLength = Prefix.Length + PartLength + 1;
        return stagingName.Length == sourceLength + PartLength
            && stagingName.StartsWith(Prefix, StringComparison.Ordinal)
            && stagingName[sourceLength - 1] == '-'
            && stagingName[Prefix.Length..(sourceLength - 1)].All(char.IsAsciiHexDigitLower)
            && stagingName[sourceLength..].All(char.IsAsciiHexDigitLower)
            ? stagingName[..sourceLength]
            : null;
    }
}
