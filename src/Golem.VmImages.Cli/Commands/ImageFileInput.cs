namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// Checks a <c>.gvmi</c> argument before it is read: its metadata trailer is at the end, so it must be a regular file
/// (a pipe such as <c>/dev/stdin</c> or <c>&lt;(cmd)</c> cannot be read backwards). Problems are worded as coreutils words them.
/// </summary>
internal static class ImageFileInput
{
    /// <summary>Why <paramref name="path"/> cannot be read as an image, or null when it can.</summary>
    public static string? Problem(string path)
    {
        if (Directory.Exists(path))
        {
            return "Is a directory";
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            return stream.CanSeek ? null : "not a regular file (a pipe or device); the metadata trailer is read from the end, so give the image as a file";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ErrorText.Describe(ex);
        }
    }
}
