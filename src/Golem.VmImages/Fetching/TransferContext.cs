using Golem.VmImages.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Fetching;

/// <summary>Everything one <see cref="TransferPipeline.CopyAsync"/> works with: where the bytes go, what hashes them, the limits, and who is told.</summary>
internal sealed class TransferContext
{
    /// <summary>Gets the partial file the bytes are written to.</summary>
    public required SafeFileHandle File { get; init; }

    /// <summary>Gets the offset the body starts at; the hasher covers exactly the bytes before it.</summary>
    public required long Offset { get; init; }

    /// <summary>Gets the hasher, fed in file order.</summary>
    public required Sha3Hasher Hasher { get; init; }

    /// <summary>Gets the largest file accepted (the maximum image size).</summary>
    public required long MaxLength { get; init; }

    /// <summary>Gets the length the response announced for the whole file, when it binds the body (a 206's <c>Content-Range</c> total).</summary>
    public long? AnnouncedLength { get; init; }

    /// <summary>Gets the source, for messages (which redact it).</summary>
    public required Uri Url { get; init; }

    /// <summary>Gets the size of each pooled buffer.</summary>
    public required int BufferSize { get; init; }

    /// <summary>Gets the distance between two write-back hints to the kernel; 0 turns them off.</summary>
    public long WriteBackInterval { get; init; }

    /// <summary>Gets the check of the volume's free-space reserve made before each write, or <see langword="null"/> for none.</summary>
    public FreeSpaceGuard? FreeSpace { get; init; }

    /// <summary>Gets who is told about reads, commits and write-back hints.</summary>
    public required ITransferObserver Observer { get; init; }
}
