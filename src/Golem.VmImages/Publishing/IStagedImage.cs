namespace Golem.VmImages.Publishing;

/// <summary>An image uploaded to a target's staging location; disposing it without committing discards it.</summary>
public interface IStagedImage : IAsyncDisposable
{
    /// <summary>Moves the staged image to <paramref name="key"/>, recording <paramref name="hash"/> as metadata where the target supports it.</summary>
    /// <param name="key">The final key relative to the target.</param>
    /// <param name="hash">The image's SHA3-224.</param>
    /// <param name="overwrite"><see langword="true"/> to replace an object already at the key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the image is visible under <paramref name="key"/>.</returns>
    /// <exception cref="ImageKeyConflictException">An object appeared at the key and <paramref name="overwrite"/> is <see langword="false"/>.</exception>
    Task CommitAsync(string key, ImageHash hash, bool overwrite, CancellationToken cancellationToken = default);
}
