namespace Golem.VmImages.Building.Sources;

/// <summary>The files of an image layout, whether a directory or a tar archive holding one.</summary>
internal interface ISourceFiles
{
    /// <summary>Gets how messages name the source.</summary>
    string Name { get; }

    bool Exists(string path);

    long Length(string path);

    /// <summary>Opens a file for reading (the caller disposes the stream).</summary>
    /// <exception cref="ImageBuildException">The file is not there.</exception>
    Stream Open(string path);
}
