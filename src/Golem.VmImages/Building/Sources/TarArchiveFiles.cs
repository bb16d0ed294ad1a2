using Golem.VmImages.Building.Tar;

namespace Golem.VmImages.Building.Sources;

/// <summary>
/// The files of an image layout held in a tar archive (oci-archive, docker-save), indexed once by their data
/// offsets so each blob is read in place, as often as needed, without extracting anything.
/// </summary>
internal sealed class TarArchiveFiles : ISourceFiles
{
    private readonly string _archive;
    private readonly Dictionary<string, (long Offset, long Length)> _files = new(StringComparer.Ordinal);

    private TarArchiveFiles(string archive) => _archive = archive;

    public string Name => _archive;

    /// <summary>Indexes an archive; returns null when the file is not a tar archive.</summary>
    public static async Task<TarArchiveFiles?> TryOpenAsync(string archive, CancellationToken cancellationToken)
    {
        var files = new TarArchiveFiles(archive);
        var links = new List<(string Path, string Target)>();
        var stream = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var reader = new TarReader(stream);
            try
            {
                while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    var path = ArchivePath.Normalize(entry.Path);
                    switch (entry.Type)
                    {
                        case TarEntryType.RegularFile:
                            files._files[path] = (reader.DataOffset, entry.Size);
                            break;
                        case TarEntryType.HardLink:
                            links.Add((path, ArchivePath.Normalize(entry.LinkName)));
                            break;
                        case TarEntryType.SymbolicLink:
                            var directory = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : string.Empty;
                            links.Add((path, ArchivePath.Normalize(entry.LinkName.StartsWith('/') ? entry.LinkName : directory + "/" + entry.LinkName)));
                            break;
                        default:
                            break;
                    }
                }
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        // Links may point to links: resolve in a few rounds (skopeo's docker-archive links <id>/layer.tar to <diffid>.tar).
        for (var round = 0; round < 8 && links.Count > 0; round++)
        {
            links.RemoveAll(link =>
            {
                if (files._files.TryGetValue(link.Target, out var target))
                {
                    files._files[link.Path] = target;
                    return true;
                }

                return false;
            });
        }

        return files;
    }

    public bool Exists(string path) => _files.ContainsKey(ArchivePath.Normalize(path));

    public long Length(string path) => _files[ArchivePath.Normalize(path)].Length;

    public Stream Open(string path)
    {
        if (!_files.TryGetValue(ArchivePath.Normalize(path), out var file))
        {
            throw new ImageBuildException(ErrorMessages.BuildSourceFileMissing(_archive, path));
        }

        var stream = new FileStream(_archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        stream.Seek(file.Offset, SeekOrigin.Begin);
        return new BoundedReadStream(stream, file.Length);
    }
}
