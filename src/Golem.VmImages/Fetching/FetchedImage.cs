namespace Golem.VmImages.Fetching;

/// <summary>A verified image on disk.</summary>
/// <param name="Path">The full path of the verified, read-only file.</param>
/// <param name="Digest">The digest the file hashes to.</param>
/// <param name="Length">The file length in bytes.</param>
/// <param name="FromCache">Whether the image was already there (in the cache, or verified at the destination), so nothing was downloaded.</param>
/// <param name="BytesTransferred">The bytes received over the network or copied by this fetch.</param>
/// <param name="Elapsed">The time the fetch took.</param>
/// <param name="Attempts">The number of attempts made (0 for a cache hit).</param>
/// <param name="SourceUrl">The URL the image came from, with its user info and query redacted (see <see cref="IImageFetcher.FetchAsync"/>), or <see langword="null"/> when nothing was downloaded.</param>
public sealed record FetchedImage(string Path, Sha3Digest Digest, long Length, bool FromCache, long BytesTransferred, TimeSpan Elapsed, int Attempts, Uri? SourceUrl);
