namespace Golem.VmImages;

/// <summary>
/// The VM capabilities providers advertise in <c>golem.runtime.capabilities</c>. An <see cref="ImagePackage"/>
/// also accepts names not listed here.
/// </summary>
public static class ImageCapabilities
{
    /// <summary>The VM can join a Golem VPN: <c>vpn</c>.</summary>
    public const string Vpn = "vpn";

    /// <summary>The VM can reach the internet through the provider (outbound network): <c>inet</c>.</summary>
    public const string Inet = "inet";

    /// <summary>The provider accepts a computation payload manifest: <c>manifest-support</c>.</summary>
    public const string ManifestSupport = "manifest-support";

    /// <summary>The provider can start the image's entrypoint: <c>start-entrypoint</c>.</summary>
    public const string StartEntrypoint = "start-entrypoint";

    /// <summary>The provider offers a GPU to the VM: <c>gpu</c>.</summary>
    public const string Gpu = "gpu";
}
