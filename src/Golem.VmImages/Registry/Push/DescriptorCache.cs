using Golem.VmImages.Hashing;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// Remembers the descriptors of files already hashed for a push, so pushing an unchanged file again (to resume after
/// a failure or Ctrl-C, or to attach another tag) does not read the whole file again. A record is named by the
/// SHA-256 of the file's full path and the chunk size; it holds the file's identity (<see cref="FileIdentity"/>), the
/// descriptor and a SHA-256 of both (<see cref="FileRecord"/>, the format <see cref="FileHashStore"/> uses too), and is used only when the identity read now is the stored one and the checksum
/// holds. Anything else (another file, a changed one, a damaged record) is hashed again and the record replaced.
/// </summary>
internal sealed class DescriptorCache(string directory)
{
    private static ReadOnlySpan<byte> Magic => "GVMIDSC1"u8;

    /// <summary>Gets the full path of the cache directory.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The remembered descriptor of an unchanged file, or <paramref name="compute"/>'s, remembered when the file did not change meanwhile.</summary>
    public async Task<(ImageDescriptor Descriptor, bool FromCache)> GetOrComputeAsync(string path, long chunkSize, Func<CancellationToken, Task<ImageDescriptor>> compute, CancellationToken cancellationToken)
    {
        var before = Identify(path);
        var recordPath = RecordPath(before.FullPath, chunkSize);
        var header = Header(before);
        if (TryRead(recordPath, header, chunkSize, before.Length) is { } remembered)
        {
            return (remembered, true);
        }

        var descriptor = await compute(cancellationToken).ConfigureAwait(false);
        if (Identify(path) == before)
        {
            TryWrite(recordPath, header, descriptor);
        }

        return (descriptor, false);
    }

    private static FileIdentity Identify(string path) => FileRecord.Identify(path);

    private string RecordPath(string fullPath, long chunkSize) =>
        FileRecord.PathFor(Directory, fullPath, chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ".descr");

    private static byte[] Header(FileIdentity identity) => FileRecord.Header(Magic, identity);

    private static ImageDescriptor? TryRead(string recordPath, byte[] header, long chunkSize, long length) =>
        FileRecord.TryRead(recordPath, header) is { } payload
        && payload.Length >= ImageDescriptor.HeaderSize
        && ImageDescriptor.TryParse(payload.Span, out var descriptor)
        && descriptor.ChunkSize == chunkSize && descriptor.Size == length
            ? descriptor
            : null;

    private static void TryWrite(string recordPath, byte[] header, ImageDescriptor descriptor) =>
        FileRecord.TryWrite(recordPath, header, descriptor.Bytes.Span);
}
