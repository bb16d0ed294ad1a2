namespace Golem.VmImages;

/// <summary>
/// The runtimes a Golem VM image runs on (demand constraint <c>golem.runtime.name</c>), as the JavaScript SDK lets a
/// requestor choose them. An <see cref="ImagePackage"/> also accepts names not listed here.
/// </summary>
public static class ImageRuntimes
{
    /// <summary>The standard VM runtime, the default: <c>vm</c>.</summary>
    public const string Vm = "vm";

    /// <summary>The VM runtime of GPU providers, which passes an NVIDIA GPU through to the VM: <c>vm-nvidia</c>.</summary>
    public const string VmNvidia = "vm-nvidia";
}
