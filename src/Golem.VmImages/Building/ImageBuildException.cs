namespace Golem.VmImages.Building;

/// <summary>
/// A container image or root filesystem cannot be built into a .gvmi: the source is not recognised or is ambiguous,
/// a digest does not match, a layer breaks the layer rules, or the squashfs tool failed. The message names the
/// layer and the path where there is one.
/// </summary>
public sealed class ImageBuildException : VmImageException
{
    /// <summary>Initializes a new instance.</summary>
    public ImageBuildException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageBuildException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageBuildException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with a message, the layer and the path it concerns.</summary>
    /// <param name="message">The message.</param>
    /// <param name="layerIndex">The 0-based index of the layer, bottom first, or <see langword="null"/>.</param>
    /// <param name="path">The path inside the layer, or <see langword="null"/>.</param>
    public ImageBuildException(string message, int? layerIndex, string? path)
        : base(message)
    {
        LayerIndex = layerIndex;
        Path = path;
    }

    /// <summary>Gets the 0-based index of the layer (bottom first) the failure concerns, or <see langword="null"/>.</summary>
    public int? LayerIndex { get; }

    /// <summary>Gets the path inside the layer the failure concerns, or <see langword="null"/>.</summary>
    public string? Path { get; }
}
