using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// Checks a file argument before it is read: an image's metadata trailer is at the end, so it must be a regular file
/// (a pipe such as <c>/dev/stdin</c> or <c>&lt;(cmd)</c> cannot be read backwards); and no input may be a FIFO, a
/// socket or a device, which are refused before they are opened (opening a FIFO waits for a writer, forever if none
/// comes). Problems are worded as coreutils words them.
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

        if (SpecialFileProblem(path, allowDirectory: false) is { } special)
        {
            return special;
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

    /// <summary>Why <paramref name="path"/> is refused as an input without opening it (a FIFO, a socket, a device, or a directory unless allowed), or null.</summary>
    public static string? SpecialFileProblem(string path, bool allowDirectory) =>
        NonRegularFile.Describe(path, allowDirectory) is { } kind ? $"{char.ToUpperInvariant(kind[0])}{kind[1..]}, not a regular file; give the input as a file" : null;

    /// <summary>Writes <c>gvmi COMMAND: PATH: problem</c> and returns <see langword="true"/> when <paramref name="path"/> is a special file (see <see cref="SpecialFileProblem"/>).</summary>
    public static async Task<bool> RefuseSpecialFileAsync(TextWriter error, string command, string path, bool allowDirectory = false)
    {
        if (SpecialFileProblem(path, allowDirectory) is not { } problem)
        {
            return false;
        }

        await error.WriteLineAsync($"gvmi {command}: {TerminalText.Escape(path)}: {problem}").ConfigureAwait(false);
        return true;
    }
}
