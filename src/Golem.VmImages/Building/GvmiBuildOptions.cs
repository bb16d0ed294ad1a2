namespace Golem.VmImages.Building;

/// <summary>Options for <see cref="GvmiBuilder"/>.BuildAsync. The defaults give what gvmkit-build gives, reproducibly.</summary>
public sealed class GvmiBuildOptions
{
    /// <summary>Gets or sets how the source is read.</summary>
    /// <value>The default is <see cref="GvmiSourceFormat.Image"/>.</value>
    public GvmiSourceFormat SourceFormat { get; set; } = GvmiSourceFormat.Image;

    /// <summary>Gets or sets the image to build when the source holds several: a tag (<c>v2</c>), a name (<c>busybox:1.36</c>) or an OCI ref name.</summary>
    /// <value>The default is <see langword="null"/>: the source must hold one image (after <see cref="Platform"/>).</value>
    public string? Reference { get; set; }

    /// <summary>Gets or sets the platform to choose, as <c>os/architecture[/variant]</c>.</summary>
    /// <value>The default is <see langword="null"/>: <c>linux/amd64</c> (what provider VMs run) when the source or registry index holds several platforms; a source with one image must be <c>linux/amd64</c>.</value>
    public string? Platform { get; set; }

    /// <summary>Gets or sets the squashfs compressor (<see cref="SquashfsCompression.Lz4"/> needs <see cref="SquashfsTool.Sqfstar"/>).</summary>
    /// <value>The default is <see cref="SquashfsCompression.Lzo"/>, as gvmkit-build.</value>
    public SquashfsCompression Compression { get; set; } = SquashfsCompression.Lzo;

    /// <summary>Gets or sets the compression level for gzip or lzo (1 to 9).</summary>
    /// <value>The default is <see langword="null"/>: the tool's default (9 for gzip, 8 for lzo).</value>
    public int? CompressionLevel { get; set; }

    /// <summary>Gets or sets the squashfs block size in bytes (a power of two from 4 KiB to 1 MiB).</summary>
    /// <value>The default is 131072 (128 KiB).</value>
    public int BlockSize { get; set; } = 128 * 1024;

    /// <summary>Gets or sets the program that writes the squashfs image.</summary>
    /// <value>The default is <see cref="SquashfsTool.Tar2Sqfs"/>.</value>
    public SquashfsTool Tool { get; set; } = SquashfsTool.Tar2Sqfs;

    /// <summary>Gets or sets the path of the tool's executable.</summary>
    /// <value>The default is <see langword="null"/>: <c>tar2sqfs</c> or <c>sqfstar</c> found on <c>PATH</c>.</value>
    public string? ToolPath { get; set; }

    /// <summary>Gets or sets how many threads the tool compresses with; the image is the same whatever the number.</summary>
    /// <value>The default is <see langword="null"/>: one per processor.</value>
    public int? Processors { get; set; }

    /// <summary>Gets or sets the time, in seconds since the Unix epoch, of the squashfs superblock and of every path the build adds.</summary>
    /// <value>The default is 0 (1970-01-01), so the image depends on its source alone.</value>
    public long SourceDateEpoch { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether to add what the provider VM's init needs and Docker's init layer gives
    /// gvmkit-built images: <c>/proc /sys /dev /dev/pts /dev/shm /etc</c>, regular files <c>/etc/hosts
    /// /etc/resolv.conf /etc/hostname /dev/console /.dockerenv</c> (replacing dangling links; regular files keep their
    /// content), <c>/etc/mtab -&gt; /proc/mounts</c>, and a root directory 0755 owned by root.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool AddRuntimeFiles { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether an existing output file is replaced.</summary>
    /// <value>The default is <see langword="false"/>: an existing output is an error.</value>
    public bool Overwrite { get; set; }

    /// <summary>Gets or sets the entrypoint, replacing the image's.</summary>
    /// <value>The default is <see langword="null"/>: the image's.</value>
    public IReadOnlyList<string>? Entrypoint { get; set; }

    /// <summary>Gets or sets the command, replacing the image's.</summary>
    /// <value>The default is <see langword="null"/>: the image's.</value>
    public IReadOnlyList<string>? Cmd { get; set; }

    /// <summary>Gets or sets environment entries <c>NAME=value</c>; each replaces the image's entry of that name or is added.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Env { get; set; } = [];

    /// <summary>Gets or sets the working directory, replacing the image's.</summary>
    /// <value>The default is <see langword="null"/>: the image's.</value>
    public string? WorkingDir { get; set; }

    /// <summary>Gets or sets volume paths added to the image's.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Volumes { get; set; } = [];

    /// <summary>Gets or sets the user the entrypoint runs as, as numeric <c>UID:GID</c> (the only form the provider runtime reads).</summary>
    /// <value>The default is <see langword="null"/>: no user is written and the runtime uses root, as for gvmkit-built images.</value>
    public string? User { get; set; }

    /// <summary>Gets or sets where to report progress.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IProgress<GvmiBuildProgress>? Progress { get; set; }

    /// <summary>
    /// Gets or sets the store the output's hash is remembered in (by the file's identity, once it has its final name),
    /// so a publish of the unchanged image reads it only to send it. A store that cannot be written fails nothing.
    /// </summary>
    /// <value>The default is <see langword="null"/>, remembering nothing. <c>gvmi build</c> uses <see cref="FileHashStore.DefaultDirectory"/>.</value>
    public FileHashStore? HashStore { get; set; }

    /// <summary>Gets or sets how an image is pulled when the source is a registry reference (<see cref="GvmiBuilder.BuildAsync(Oci.ImageReference, string, GvmiBuildOptions?, CancellationToken)"/>).</summary>
    /// <value>The default pulls with the defaults of <see cref="Oci.OciPullOptions"/>.</value>
    public Oci.OciPullOptions Registry { get; set; } = new();

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Registry, nameof(Registry));
        Registry.Validate();
        if (CompressionLevel is { } level && (level is < 1 or > 9 || Compression is SquashfsCompression.Lz4 or SquashfsCompression.Xz))
        {
            throw new ArgumentException(ErrorMessages.BuildCompressionLevel(Compression.ToString().ToLowerInvariant(), level), nameof(CompressionLevel));
        }

        if (Compression == SquashfsCompression.Lz4 && Tool == SquashfsTool.Tar2Sqfs)
        {
            throw new ArgumentException(ErrorMessages.BuildLz4NeedsSqfstar, nameof(Compression));
        }

        if (BlockSize is < 4096 or > 1 << 20 || (BlockSize & (BlockSize - 1)) != 0)
        {
            throw new ArgumentException(ErrorMessages.BuildBlockSize(BlockSize), nameof(BlockSize));
        }

        if (User is not null && (User.Split(':') is not [var uid, var gid] || !uint.TryParse(uid, out _) || !uint.TryParse(gid, out _)))
        {
            throw new ArgumentException(ErrorMessages.BuildUser(User), nameof(User));
        }

        if (Env.FirstOrDefault(e => !e.Contains('=', StringComparison.Ordinal) || e.StartsWith('=')) is { } badEnv)
        {
            throw new ArgumentException(ErrorMessages.BuildEnv(badEnv), nameof(Env));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(SourceDateEpoch);
        if (Processors is { } processors)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(processors, 1, nameof(Processors));
        }
    }
}
