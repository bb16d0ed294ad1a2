namespace Golem.VmImages.Building;

/// <summary>How far a build is.</summary>
/// <param name="Stage">The current pass.</param>
/// <param name="BytesRead">The stored (possibly compressed) layer bytes read so far, over both passes.</param>
/// <param name="TotalBytes">The stored layer bytes both passes read in all (0 when unknown, as for a directory source).</param>
public readonly record struct GvmiBuildProgress(GvmiBuildStage Stage, long BytesRead, long TotalBytes);
