using Golem.VmImages.Cli.Invocation;
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
    /// <summary>The magic a squashfs filesystem, and so every .gvmi image, starts with.</summary>
    private static ReadOnlySpan<byte> SquashfsMagic => "hsqs"u8;

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

    /// <summary>
    /// Throws when <paramref name="path"/> (as the user typed it) cannot be read as an image: a missing file is a
    /// <see cref="FileNotFoundException"/> (exit code 4), anything else an <see cref="InputException"/> (exit code 1).
    /// </summary>
    public static void Require(string path)
    {
        if (!Path.Exists(path))
        {
            throw new FileNotFoundException(null, path);
        }

        if (Problem(path) is { } problem)
        {
            throw new InputException($"{path}: {problem}");
        }
    }

    /// <summary>
    /// Reads the metadata of the image at <paramref name="path"/> after <see cref="Require"/>; a file that is not a .gvmi
    /// at all (no squashfs at its start, as a tar or a text file) is called that instead of explaining its last bytes.
    /// </summary>
    public static async Task<GvmiMetadata> ReadMetadataAsync(string path, CancellationToken cancellationToken)
    {
        Require(path);
        try
        {
            return await GvmiFile.ReadMetadataAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (GvmiFormatException ex) when (!StartsWithSquashfs(path))
        {
            throw new InputException(NotAnImage(path), ex);
        }
    }

    /// <summary>The message for a file that is not a .gvmi image.</summary>
    public static string NotAnImage(string path) =>
        $"'{path}' is not a .gvmi image: it does not start with a squashfs filesystem (a .gvmi is a squashfs image followed by a JSON metadata trailer; build one with 'gvmi build' or 'gvmi wrap').";

    /// <summary>Whether <paramref name="path"/> starts with the squashfs magic.</summary>
    public static bool StartsWithSquashfs(string path)
    {
        Span<byte> start = stackalloc byte[4];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && start.SequenceEqual(SquashfsMagic);
    }
}
