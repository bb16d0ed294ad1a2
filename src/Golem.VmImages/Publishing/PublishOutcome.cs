namespace Golem.VmImages.Publishing;

/// <summary>What publishing did at the target.</summary>
public enum PublishOutcome
{
    /// <summary>The image was uploaded under a key where nothing was stored.</summary>
    Uploaded,

    /// <summary>The same image (same length and hash) was already stored at the key; nothing changed.</summary>
    AlreadyPublished,

    /// <summary>A different object at the key was replaced, as asked with <see cref="ImagePublishOptions.Overwrite"/>.</summary>
    Replaced,
}
