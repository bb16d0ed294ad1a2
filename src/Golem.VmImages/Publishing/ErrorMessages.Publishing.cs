using System.Net;

namespace Golem.VmImages;

/// <content>Messages of image publishing.</content>
internal static partial class ErrorMessages
{
    public static string PublishFailedDefault => "The image could not be published.";

    public static string KeyConflictDefault => "A different object is already stored at the key.";

    public static string NotPublicDefault => "The published image is not publicly readable.";

    public static string InvalidKey(string key) =>
        Format("The key '{0}' is not a relative name; expected slash-separated segments without empty, '.' or '..' segments, backslashes or control characters.", key);

    public static string SourceChanged(string path, long length) =>
        Format("The file '{0}' changed while it was published; expected {1} bytes, as when publishing started.", path, length);

    public static string SourceNotRead(long read, long length) =>
        Format("The target read {0} of the image's {1} bytes; expected it to read all of them.", read, length);

    public static string SourceHashChanged(string path, ImageHash expected, ImageHash actual) =>
        Format("The file '{0}' hashed to {1} while it was uploaded; expected {2}, the hash given or computed before (the file changed, or the remembered hash is stale), so nothing was published.", path, actual, expected);

    public static string SourceChangedWhileUploaded(string path, ImageHash hash) =>
        Format("The file '{0}' changed while it was uploaded (its length, modification time, change time or inode is no longer the one hashed to {1}), so nothing was published.", path, hash);

    public static string PublishSourceRefused =>
        "The upload was cut short before its last byte on purpose: the file is not the one hashed, or the image is not to be stored under its key.";

    public static string InPlaceUnsupported(string target) =>
        Format("{0} cannot take an upload straight to its final key; expected a target that stages uploads (SupportsStagingAsync).", target);

    public static string VerifyNeedsFetcher =>
        "Verify was asked for but this ImagePublisher has no image fetcher; pass an IImageFetcher to its constructor.";

    public static string KeyConflict(string target, string key, long existingLength, ImageHash? existingHash, long length, ImageHash hash) =>
        existingLength != length
            ? Format("{0} already holds a different object at '{1}' ({2} bytes); expected nothing there or the same {3}-byte image {4}; replace it only on purpose (overwrite).", target, key, existingLength, length, hash)
            : Format("{0} already holds a different object at '{1}' (hash {2}); expected nothing there or the same image {3}; replace it only on purpose (overwrite).", target, key, existingHash?.ToString() ?? "unknown", hash);

    public static string KeyAppeared(string target, string key) =>
        Format("{0} got an object at '{1}' while this image was being published; expected the key to stay free (publish again to compare it, or overwrite).", target, key);

    public static string TargetStatus(string what, string url, HttpStatusCode status, string? detail) =>
        Format("{0} {1} answered {2} {3}{4}.", what, url, (int)status, status, string.IsNullOrWhiteSpace(detail) ? string.Empty : ": " + detail);

    public static string TargetAuth(string what, string url, HttpStatusCode status) =>
        Format("{0} {1} answered {2} {3}; the credentials are missing or wrong, or not allowed to write there.", what, url, (int)status, status);

    public static string TargetUnreachable(string url, string reason) =>
        Format("Could not reach {0}: {1}", url, reason);

    public static string MoveUnsupported(string url, HttpStatusCode status) =>
        Format("The server at {0} answered {1} {2} to WebDAV MOVE; expected a WebDAV server that moves the staged upload to its final name (nginx: 'dav_methods PUT DELETE MOVE;').", url, (int)status, status);

    public static string PutRefused(string url, HttpStatusCode status) =>
        Format("The server at {0} does not accept uploads there (it answered {1} {2} to PUT); expected a URL where PUT is enabled (nginx: 'dav_methods PUT;', Apache: 'Dav On').", url, (int)status, status);

    public static string PutFolderMissing(string url) =>
        Format("The folder {0} does not exist on the server (it answered 409 Conflict to PUT); create it, or let the server create it (nginx: 'create_full_put_path on;').", url);

    public static string PutTooLarge(string url, long length) =>
        Format("The server at {0} limits uploads to fewer bytes than the image's {1} (it answered 413 to PUT); raise its body limit (nginx: 'client_max_body_size 0;', Apache: 'LimitRequestBody 0').", url, length);

    public static string CredentialsOverHttp(string url) =>
        Format("Refusing to send credentials in clear text to {0}; expected an https URL (plain http is allowed only to a loopback address).", url);

    public static string CredentialsInUrl(string url) =>
        Format("The target URL {0} carries credentials; pass them another way (environment or .netrc), never in the URL.", url);

    public static string NotHttpUrl(string url) =>
        Format("The target URL {0} is not an absolute http or https URL.", url);

    public static string NotPublicStatus(string url, HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Format(
            "The image was stored, but {0} answered {1} {2} to an anonymous HEAD, so providers cannot download it; make it publicly readable (a bucket policy allowing anonymous GetObject, a public r2.dev or custom domain, the web server's access rules) or give the public base URL that serves it.",
            url, (int)status, status),
        HttpStatusCode.NotFound => Format(
            "The image was stored, but {0} answered 404 Not Found to an anonymous HEAD; the public URL does not serve the stored key: give the public base URL that serves it.",
            url),
        _ => Format("The image was stored, but {0} answered {1} {2} to an anonymous HEAD; expected 200 OK, as providers need.", url, (int)status, status),
    };

    public static string NotPublicLength(string url, long? found, long expected) =>
        Format("The image was stored, but {0} reports {1} bytes; expected {2}: the public URL serves something else (check the public base URL).", url, found?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no Content-Length", expected);

    public static string NoAcceptRanges(string url) =>
        Format("The image was stored, but {0} does not answer 'Accept-Ranges: bytes'; providers cannot resume an interrupted download: enable range requests where it is served.", url);

    public static string NotPublicRange(string url, HttpStatusCode status) =>
        Format("The image was stored, but {0} answered {1} {2} to a range request for its last bytes; expected 206 Partial Content: enable range requests where it is served.", url, (int)status, status);

    public static string NotPublicContent(string url, int count) =>
        Format("The image was stored, but the last {0} bytes served by {1} differ from the image's: the public URL serves something else (check the public base URL).", count, url);

    public static string NotPublicUnreachable(string url, string reason) =>
        Format("The image was stored, but its public URL {0} could not be reached ({1}); give the public base URL providers can reach.", url, reason);

    public static string VerifyFailed(string url, string reason) =>
        Format("The image was stored, but downloading it again from {0} failed: {1}", url, reason);

    public static string PublishSourceMissing(string path) =>
        Format("The image file '{0}' does not exist; expected a .gvmi file to publish.", path);
}
