namespace Golem.VmImages.Tests.Hashing;

/// <summary>Every public way to hash bytes with <see cref="ImageHasher"/>; the conformance driver runs each vector through each.</summary>
public enum HashEntryPoint
{
    SpanOneShot,
    SpanIntoDestination,
    TryHashDataUnalignedDestination,
    IncrementalRandomChunks,
    IncrementalBlockBoundaries,
    CurrentHashMidwayThenContinue,
    TryGetHashAndReset,
    Stream,
    StreamAsync,
    StreamAsyncOneBytePerRead,
    File,
    FileSynchronous,
}
