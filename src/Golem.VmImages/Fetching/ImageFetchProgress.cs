namespace Golem.VmImages.Fetching;

/// <summary>The phase of a fetch that an <see cref="ImageFetchProgress"/> reports.</summary>
public enum ImageFetchPhase
{
    /// <summary>Checking the cache, taking the lock and re-hashing a resumable partial file.</summary>
    Resolving,

    /// <summary>Receiving, hashing and writing bytes.</summary>
    Downloading,

    /// <summary>Checking the digest and moving the file to its final name.</summary>
    Verifying,

    /// <summary>The image was found in the cache.</summary>
    Cached,
}

/// <summary>A snapshot of a fetch's progress.</summary>
/// <param name="BytesDone">Bytes of the image received and hashed so far, a resumed prefix included.</param>
/// <param name="TotalBytes">The image length when the server announced it, otherwise <see langword="null"/>.</param>
/// <param name="BytesPerSecond">The transfer rate of the current attempt.</param>
/// <param name="Attempt">The attempt number against the current URL, from 1.</param>
/// <param name="Phase">The phase.</param>
/// <param name="Url">The URL being fetched, with its user info and query redacted, or <see langword="null"/> while resolving.</param>
public readonly record struct ImageFetchProgress(long BytesDone, long? TotalBytes, double BytesPerSecond, int Attempt, ImageFetchPhase Phase, Uri? Url);
