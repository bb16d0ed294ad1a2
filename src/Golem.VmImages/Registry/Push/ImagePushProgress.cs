namespace Golem.VmImages.Registry.Push;

/// <summary>A progress report of a push.</summary>
/// <param name="Phase">The current step.</param>
/// <param name="BytesDone">While hashing, the bytes read; while uploading, the bytes of this run's chunks sent so far (a retried chunk counts again from 0); otherwise the last value.</param>
/// <param name="TotalBytes">While hashing, the file size; from uploading on, the bytes of the chunks this run sends (0 when the registry already had them all).</param>
/// <param name="ChunksDone">The chunks sent and accepted so far in this run.</param>
/// <param name="ChunksTotal">The chunks this run sends; 0 until they are known.</param>
public readonly record struct ImagePushProgress(ImagePushPhase Phase, long BytesDone, long TotalBytes, int ChunksDone, int ChunksTotal);
