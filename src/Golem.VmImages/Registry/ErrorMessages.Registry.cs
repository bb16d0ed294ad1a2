namespace Golem.VmImages;

/// <content>Messages for the image registry.</content>
internal static partial class ErrorMessages
{
    public static string RegistryTagFormat(string tag) =>
        Format("The image tag '{0}' is not of the form 'user/repository:tag'; expected something like 'golem/alpine:latest'.", tag);

    public static string RegistryImageNotFoundByTag(string tag, Uri registry) =>
        Format("The image registry {0} has no image tagged '{1}'.", registry, tag);

    public static string RegistryImageNotFoundByHash(ImageHash hash, Uri registry) =>
        Format("The image registry {0} has no image with hash {1}.", registry, hash);

    public static string RegistryStatus(Uri requestUri, int status, string excerpt) =>
        Format("The image registry answered {0} with status {1}; expected 200 OK. Body: {2}", requestUri, status, excerpt.Length == 0 ? "(empty)" : excerpt);

    public static string RegistryMalformedJson(Uri requestUri, string detail) =>
        Format("The image registry's answer to {0} is not valid JSON ({1}); expected an object with 'http', 'https', 'sha3' and 'size'.", requestUri, detail);

    public static string RegistryNotAnObject(Uri requestUri, string kind) =>
        Format("The image registry's answer to {0} is a JSON {1}; expected an object with 'http', 'https', 'sha3' and 'size'.", requestUri, kind);

    public static string RegistryMissingMember(Uri requestUri, string member, string expected) =>
        Format("The image registry's answer to {0} has no '{1}'; expected {2}.", requestUri, member, expected);

    public static string RegistryBadMember(Uri requestUri, string member, string found, string expected) =>
        Format("The image registry's answer to {0} has '{1}' = {2}; expected {3}.", requestUri, member, found, expected);

    public static string RegistryHashMismatch(Uri requestUri, ImageHash requested, ImageHash answered) =>
        Format("The image registry's answer to {0} names image {1}; expected the requested image {2}.", requestUri, answered, requested);

    public static string RegistryBodyTooLarge(Uri requestUri, int limit) =>
        Format("The image registry's answer to {0} is larger than {1} bytes; expected a small JSON object.", requestUri, limit);

    public static string RegistryUnreachable(Uri requestUri, int attempts) =>
        Format("The image registry could not be reached at {0} after {1} attempt(s); expected an answer.", requestUri, attempts);

    public static string RegistryAnswerCutOff(Uri requestUri, int attempts, string detail) =>
        Format("The image registry's answer to {0} was cut off in each of {1} attempt(s) ({2}); expected a complete answer.", requestUri, attempts, detail);

    public static string RegistryTimedOut(Uri requestUri, int attempts, TimeSpan timeout) =>
        Format("The image registry did not answer {0} within {1} in any of {2} attempt(s); expected an answer.", requestUri, timeout, attempts);

    public static string RegistryBaseAddress(string? found) =>
        Format("The image registry base address '{0}' is not an absolute http or https URL; expected something like 'https://registry.golem.network'.", found ?? "(null)");

    public static string RepoUrlWithTag =>
        "An image tag was given together with a direct image URL; expected a tag only when resolving through the registry.";

    public static string RepoUrlWithoutHash =>
        "A direct image URL was given without an image hash; expected the image's SHA3-224 hash as well.";

    public static string RepoNeitherHashNorTag =>
        "Neither an image hash nor an image tag was given; expected exactly one of them to resolve an image through the registry.";

    public static string RepoBothHashAndTag =>
        "Both an image hash and an image tag were given; expected exactly one of them to resolve an image through the registry.";
}
