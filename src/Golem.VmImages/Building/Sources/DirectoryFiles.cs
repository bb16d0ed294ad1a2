namespace Golem.VmImages.Building.Sources;

/// <summary>The files of an image layout unpacked in a directory (an OCI layout, or a docker-save archive extracted).</summary>
internal sealed class DirectoryFiles(string directory) : ISourceFiles
{
    public string Name => directory;

    public bool Exists(string path) => File.Exists(Full(path));

    public long Length(string path) => new FileInfo(Full(path)).Length;

    public Stream Open(string path) => Exists(path)
        ? new FileStream(Full(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan)
        : throw new ImageBuildException(ErrorMessages.BuildSourceFileMissing(directory, path));

    private string Full(string path) => Path.Combine(directory, ArchivePath.Normalize(path));
}
