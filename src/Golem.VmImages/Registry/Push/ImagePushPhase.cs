namespace Golem.VmImages.Registry.Push;

/// <summary>The steps of a push, in order; a step that has nothing to do is skipped.</summary>
public enum ImagePushPhase
{
    /// <summary>Reading the file once for its SHA3-224 and its chunks' SHA-256.</summary>
    Hashing,

    /// <summary>Checking the credentials, asking the registry what it already has, sending the descriptor and checking the tag may be attached.</summary>
    Preparing,

    /// <summary>Sending the chunks the registry lacks.</summary>
    Uploading,

    /// <summary>Waiting for the registry to report the image complete.</summary>
    Completing,

    /// <summary>Attaching the tag.</summary>
    Tagging,

    /// <summary>Resolving the image through <c>/v1/image/info</c> and checking its hash.</summary>
    Resolving,
}
