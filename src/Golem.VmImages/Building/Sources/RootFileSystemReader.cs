using System.IO.Pipes;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// A plain root filesystem as the only layer: a tar (uncompressed, gzip or zstd) or a directory. A directory is
/// streamed as a tar through a pipe (ownership, modes, links and devices come from the files; extended attributes
/// and hard links of a directory are not read: use a tar to keep them).
/// </summary>
internal static class RootFileSystemReader
{
    public static SourceImage Open(string source)
    {
        Func<Stream> open;
        long length;
        if (Directory.Exists(source))
        {
            open = () => StreamDirectory(source);
            length = 0;
        }
        else
        {
            open = () => new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

            // The build reads the layer twice (once to plan the merge, once to write it): a pipe would be empty the second time.
            using var probe = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            length = probe.CanSeek ? probe.Length : throw new ImageBuildException(ErrorMessages.BuildSourceNotSeekable(source));
        }

        var layer = new SourceLayer { Index = 0, Name = "the root filesystem " + Path.GetFileName(Path.TrimEndingDirectorySeparator(source)), StoredLength = length, OpenBlob = open };
        return new SourceImage { Layers = [layer], Config = new GvmiContainerConfig() };
    }

    private static AnonymousPipeClientStream StreamDirectory(string directory)
    {
        var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        _ = Task.Run(() =>
        {
            var writer = new System.Formats.Tar.TarWriter(server, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true);
            try
            {
                var root = Path.GetFullPath(directory);

                // Sorted walk so the same tree always gives the same stream.
                var pending = new Stack<string>();
                pending.Push(root);
                while (pending.Count > 0)
                {
                    var current = pending.Pop();
                    var children = Directory.EnumerateFileSystemEntries(current).Order(StringComparer.Ordinal).ToList();
                    foreach (var child in children)
                    {
                        var relative = Path.GetRelativePath(root, child).Replace(Path.DirectorySeparatorChar, '/');
                        writer.WriteEntry(child, relative);
                    }

                    foreach (var child in Enumerable.Reverse(children))
                    {
                        if (Directory.Exists(child) && !new FileInfo(child).Attributes.HasFlag(FileAttributes.ReparsePoint))
                        {
                            pending.Push(child);
                        }
                    }
                }

                writer.Dispose(); // the end-of-archive marker: only a complete walk gets one
            }
            catch (IOException ex) when (!server.IsConnected || ex is EndOfStreamException)
            {
                // The reader stopped early (it failed or was cancelled) and closed its end.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A file could not be read: end the stream with a block that is not a tar header, so the build fails
                // instead of taking a shorter archive for the whole tree.
                var block = new byte[512];
                System.Text.Encoding.ASCII.GetBytes(ex.Message[..Math.Min(ex.Message.Length, 500)]).CopyTo(block, 0);
                block[511] = 0xFF;
                try
                {
                    server.Write(block);
                }
                catch (IOException)
                {
                }
            }
            finally
            {
                server.Dispose();
            }
        });
        return client;
    }
}
