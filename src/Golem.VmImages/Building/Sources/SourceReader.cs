namespace Golem.VmImages.Building.Sources;

/// <summary>Recognises a build source and chooses the image to build from it.</summary>
internal static class SourceReader
{
    public static async Task<SourceImage> OpenAsync(string source, GvmiBuildOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(source) && !Directory.Exists(source))
        {
            throw new ImageBuildException(ErrorMessages.BuildSourceMissing(source));
        }

        if (options.SourceFormat == GvmiSourceFormat.RootFileSystem)
        {
            return RootFileSystemReader.Open(source);
        }

        ISourceFiles files = Directory.Exists(source)
            ? new DirectoryFiles(source)
            : await TarArchiveFiles.TryOpenAsync(source, cancellationToken).ConfigureAwait(false) ?? throw new ImageBuildException(ErrorMessages.BuildSourceUnknown(source));

        // A docker-save archive from a recent Docker also holds an OCI index; its manifest.json has the tags.
        var candidates = DockerArchiveReader.IsArchive(files) ? DockerArchiveReader.Candidates(files)
            : OciLayoutReader.IsLayout(files) ? OciLayoutReader.Candidates(files)
            : throw new ImageBuildException(ErrorMessages.BuildSourceUnknown(source));
        return ImageChooser.Choose(source, candidates, options.Reference, options.Platform);
    }
}
