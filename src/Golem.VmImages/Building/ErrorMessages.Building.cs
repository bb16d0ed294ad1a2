namespace Golem.VmImages;

/// <content>Messages for building a .gvmi from a container image.</content>
internal static partial class ErrorMessages
{
    public static string TarTruncated => "The tar stream ends inside an entry; expected complete 512-byte blocks up to the end-of-archive marker.";

    public static string TarChecksum => "A tar header has a wrong checksum; expected a ustar, GNU or PAX tar archive.";

    public static string TarPaxRecord => "A PAX extended header record is malformed; expected records of the form '<length> <key>=<value>\\n'.";

    public static string TarPaxValue(string key) => Format("The PAX value of '{0}' is malformed; expected a decimal number (or base64 for a libarchive attribute).", key);

    public static string TarNumber(string field) => Format("The tar header field '{0}' is not an octal or base-256 number.", field);

    public static string TarMetadataTooLarge(long size) => Format("A tar long name or PAX header is {0} bytes long; expected at most 64 MiB.", size);

    public static string TarSparse(string path) => Format("The entry '{0}' is a sparse file; sparse entries are not supported in container layers (write the file whole).", path);

    public static string TarUnsupportedType(string path, byte type) => Format("The entry '{0}' has the tar type '{1}'; expected a regular file, directory, link, device or fifo.", path, (char)type);

    public static string BuildLayerTar(string layer, string? path, string detail) =>
        path is null ? Format("{0}: {1}", layer, detail) : Format("{0}, after '{1}': {2}", layer, path, detail);

    public static string BuildBadWhiteout(string layer, string path) => Format("{0}: '{1}' is not a valid whiteout; expected '.wh.<name>' or '.wh..wh..opq'.", layer, path);

    public static string BuildParentNotDirectory(string layer, string path) => Format("{0}: the parent of '{1}' is not a directory after the merge; expected every parent of an entry to be a directory.", layer, path);

    public static string BuildDanglingHardLink(string layer, string path, string target) => Format("{0}: the hard link '{1}' points to '{2}', which no earlier entry provides; expected the target to come first.", layer, path, target);

    public static string BuildPathEscapes(string layer, string path) => Format("{0}: the path '{1}' contains '..'; expected paths inside the image.", layer, path);

    public static string BuildPathNul(string layer, string path) => Format("{0}: the path '{1}' contains a NUL character.", layer, path);

    public static string BuildDigestMismatch(string what, string expected, string actual) => Format("{0} hashes to {1}; expected {2} (the source is corrupt or was changed).", what, actual, expected);

    public static string BuildSizeMismatch(string what, long expected, long actual) => Format("{0} is {1} bytes long; expected {2} bytes.", what, actual, expected);

    public static string BuildSourceMissing(string source) => Format("The source '{0}' does not exist; expected an OCI layout directory, an oci-archive or docker-save tar, or a root filesystem with --rootfs.", source);

    public static string BuildSourceNotSeekable(string source) => Format("The source '{0}' is a pipe or device; expected a regular file or a directory, because the build reads the source twice (write the stream to a file first).", source);

    public static string BuildSourceUnknown(string source) => Format("'{0}' is not a container image: it has neither an OCI 'index.json' nor a docker-save 'manifest.json'; for a plain root filesystem (tar or directory) use the root-filesystem source format (--rootfs).", source);

    public static string BuildSourceFileMissing(string source, string path) => Format("The source '{0}' has no '{1}'; expected it to hold every blob its manifests name.", source, path);

    public static string BuildSourceJson(string source, string path, string detail) => Format("'{1}' in '{0}' is not valid: {2}.", source, path, detail);

    public static string BuildNoImage(string source, string wanted, string available) => Format("'{0}' has no image matching {1}; it holds: {2}.", source, wanted, available);

    public static string BuildAmbiguous(string source, string available) => Format("'{0}' holds several images; choose one with --ref and/or --platform: {1}.", source, available);

    public static string BuildUnsupportedMediaType(string layer, string mediaType) => Format("{0} has the media type '{1}'; expected an OCI or Docker layer tar, uncompressed, gzip or zstd (encrypted and foreign layers are not supported).", layer, mediaType);

    public static string BuildUnsupportedDigest(string digest) => Format("The digest '{0}' is not a sha256 digest; expected 'sha256:' and 64 hexadecimal digits.", digest);

    public static string BuildLayerCount(int layers, int diffIds) => Format("The manifest lists {0} layers but the image config has {1} diff_ids; expected one diff_id per layer.", layers, diffIds);

    public static string BuildWrongPlatform(string platform) => Format("The image is for {0}; provider VMs run linux/amd64 (pass --platform {0} to build it anyway).", platform);

    public static string BuildOutputExists(string path) => Format("The output '{0}' already exists; set Overwrite to replace it.", path);

    public static string BuildToolMissing(string tool, string package) => Format("The squashfs tool '{0}' was not found on PATH; install it with 'apt-get install {1}' (Debian, Ubuntu) or choose the other tool.", tool, package);

    public static string BuildVolumeFull(string directory) => Format("No space left on the volume of '{0}'.", directory);

    public static string BuildToolFailed(string tool, int exitCode, string stderr) => Format("{0} failed with exit code {1}: {2}", tool, exitCode, stderr);

    public static string BuildToolOutput(string tool, string detail) => Format("{0} wrote an image that is not a valid squashfs image: {1}.", tool, detail);

    public static string BuildCompressionLevel(string compression, int level) => Format("The compression level {1} is not valid for {0}; expected 1 to 9 for gzip and lzo (lz4 and xz take no level).", compression, level);

    public static string BuildLz4NeedsSqfstar => "lz4 images written by tar2sqfs 1.2 are rejected by the squashfs-tools reader ('failed to read id table block'); build lz4 with sqfstar (--squashfs-tool sqfstar) or choose lzo, gzip or xz.";

    public static string BuildBlockSize(int size) => Format("The block size {0} is not valid; expected a power of two from 4096 to 1048576.", size);

    public static string BuildUser(string user) => Format("The user '{0}' is not numeric; expected 'UID:GID' (the provider runtime reads only numbers).", user);

    public static string BuildEnv(string entry) => Format("The environment entry '{0}' has no '='; expected NAME=value.", entry);

    public static string BuildRegistryRootfs => "A registry image is a container image; the root-filesystem source format applies to local tars and directories only.";
}
