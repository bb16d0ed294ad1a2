namespace Golem.VmImages;

/// <content>Messages for pushing images to the registry.</content>
internal static partial class ErrorMessages
{
    public static string DescriptorTooManyChunks(long size, long chunkSize, long chunkCount, long suggested) =>
        Format("The image of {0} bytes makes {1} chunks of {2} bytes, too many for one descriptor; expected a chunk size of at least {3} bytes.", size, chunkCount, chunkSize, suggested);

    public static string DescriptorFileChanged(string path, long expected, long found) =>
        Format("The file '{0}' changed while it was read: it was {1} bytes long and is now {2}; expected it to stay unchanged while it is pushed.", path, expected, found);

    public static string PushTooManyChunks(long size, long chunkSize, long chunkCount, int maxChunks, long suggested) =>
        Format("The image of {0} bytes makes {1} chunks of {2} bytes; the registry accepts at most {3}, so expected a chunk size of at least {4} bytes.", size, chunkCount, chunkSize, maxChunks, suggested);

    public static string PushTagFormat(string tag) =>
        Format("The tag '{0}' is not of the form 'user/repository[:tag]' with letters, digits, '.', '_' and '-' in each part; expected something like 'golem/alpine:latest'.", tag);

    public static string PushTagWithoutCredentials(string tag) =>
        Format("Pushing with the tag '{0}' needs registry credentials (a user name and a personal access token); expected Credentials to be set, or no tag for an anonymous push.", tag);

    public static string PushCredentialsWithoutTag =>
        "Credentials were given for an anonymous push; expected a tag to attach, or no credentials (anonymous pushes never send them).";

    public static string PushInsecureRegistry(Uri registry) =>
        Format("The registry {0} is plain http, and a tagged push sends the access token in the request body; expected an https registry, or AllowInsecureHttp to send it anyway.", registry);

    public static string PushCredentialsEmpty(string name) =>
        Format("The registry credentials' {0} is empty; expected a non-empty value.", name);

    public static string PushLoginRejected(Uri requestUri, int status, string excerpt) =>
        Format("The image registry rejected the login at {0} with status {1}: {2}", requestUri, status, Body(excerpt));

    public static string PushAttachRefused(Uri requestUri, string tag, int status, string excerpt) =>
        Format("The image registry refused to attach the tag '{0}' at {1} with status {2}: {3}", tag, requestUri, status, Body(excerpt));

    public static string PushRequestFailed(string what, Uri requestUri, int status, string excerpt) =>
        Format("The image registry refused {0} at {1} with status {2}: {3}", what, requestUri, status, Body(excerpt));

    public static string PushGaveUp(string what, Uri requestUri, int status, int attempts, string excerpt) =>
        Format("The image registry answered {0} at {1} with status {2} in each of {3} attempt(s); expected a success. Body: {4}", what, requestUri, status, attempts, Body(excerpt));

    public static string PushUnreachable(string what, Uri requestUri, int attempts, string detail) =>
        Format("The image registry could not be reached for {0} at {1} after {2} attempt(s) ({3}); expected an answer.", what, requestUri, attempts, detail);

    public static string PushTimedOut(string what, Uri requestUri, int attempts, TimeSpan timeout) =>
        Format("The image registry did not answer {0} at {1} within {2} in any of {3} attempt(s); expected an answer.", what, requestUri, timeout, attempts);

    public static string PushMalformedStatus(Uri requestUri, string detail) =>
        Format("The image registry's answer to {0} is not an upload status ({1}); expected a JSON object with 'descriptor', and 'status' and 'chunks' when it knows the upload.", requestUri, detail);

    public static string PushIncomplete(ImageHash hash, string descriptor, TimeSpan waited, int checks, int missing, int total) =>
        Format("The image registry did not report image {0} (upload {1}) complete within {2} ({3} check(s)); it still lacks {4} of {5} chunk(s). Run the push again to resume.", hash, descriptor, waited, checks, missing, total);

    public static string PushNotResolvable(string what, Uri registry, TimeSpan waited) =>
        Format("The image registry {0} did not resolve {1} within {2} of the upload completing; expected it to after the push.", registry, what, waited);

    public static string PushResolvedOtherImage(string what, ImageHash answered, ImageHash pushed) =>
        Format("The image registry resolves {0} to image {1}; expected the pushed image {2}.", what, answered, pushed);

    public static string PushFileShorter(string path, long offset, long expected) =>
        Format("The file '{0}' ended before byte {1} while chunk data was sent; expected {2} bytes as when it was hashed.", path, offset, expected);

    private static string Body(string excerpt) => excerpt.Length == 0 ? "(empty body)" : excerpt;
}
