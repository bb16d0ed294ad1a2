namespace Golem.VmImages;

/// <content>Messages for pulling an image from a container registry.</content>
internal static partial class ErrorMessages
{
    private const string LoginHint = "log in with 'docker login', 'podman login' or 'skopeo login', or set REGISTRY_AUTH_FILE";

    public static string ReferenceEmpty => "The image reference is empty; expected a name such as 'python:3.12-slim' or 'registry.example.org/app@sha256:<64 hex digits>'.";

    public static string ReferenceDigest(string digest) => Format("The digest '{0}' is not a manifest digest; expected 'sha256:' and 64 lowercase hexadecimal digits.", digest);

    public static string ReferenceTag(string reference, string tag) => Format("'{0}' has the tag '{1}'; expected letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-').", reference, tag);

    public static string ReferenceRegistry(string reference, string registry) => Format("'{0}' names the registry '{1}'; expected a host name or IP address with an optional port.", reference, registry);

    public static string ReferenceRepository(string reference, string repository) => Format("'{0}' has the repository '{1}'; expected lowercase path components of letters and digits separated by '.', '_', '__' or '-'.", reference, repository);

    public static string OciCredentialsHalf => "A registry user name was given without a password, or a password without a user name; expected both or neither.";

    public static string OciAuthFileJson(string file, string detail) => Format("The auth file '{0}' is not valid JSON ({1}); expected a Docker config.json or containers auth.json.", file, detail);

    public static string OciAuthEntry(string file) => Format("An 'auth' entry in '{0}' is not base64 of 'user:password'; log in again to rewrite it.", file);

    public static string OciHelperMissing(string program, string registry) => Format("The credential helper '{0}' configured for {1} was not found on PATH; install it or remove it from the Docker config.", program, registry);

    public static string OciHelperFailed(string program, string registry, int exitCode) => Format("The credential helper '{0}' failed for {1} (exit code {2}); run '{0} get' to see why.", program, registry, exitCode);

    public static string OciHelperOutput(string program) => Format("The credential helper '{0}' printed something other than its JSON answer; expected {{\"Username\":...,\"Secret\":...}}.", program);

    public static string OciCaFile(string file, string detail) => Format("The CA file '{0}' cannot be used ({1}); expected PEM certificates.", file, detail);

    public static string OciTls(string registry, string detail) => Format("The TLS connection to {0} failed ({1}); for a private CA pass its certificate file, and a registry that only speaks plain http needs the plain-http option.", registry, detail);

    public static string OciUnreachable(string host, string detail) => Format("{0} could not be reached: {1}", host, detail);

    public static string OciCut(string registry, string detail) => Format("The transfer from {0} was cut: {1}", registry, detail);

    public static string OciBlobShort(string digest, long received, long size) => Format("The blob {0} ended after {1} of {2} bytes.", digest, received, size);

    public static string OciManifestTooLarge(string reference, int max) => Format("The manifest of {0} is larger than {1} bytes; expected a small JSON document.", reference, max);

    public static string OciDigestMismatch(string what, string expected, string actual) => Format("The bytes of {0} hash to {1}, not to the expected {2}; nothing was kept.", what, actual, expected);

    public static string OciManifestJson(string reference, string detail) => Format("The manifest of {0} is not a valid image manifest or index ({1}).", reference, detail);

    public static string OciManifestType(string reference, string mediaType) => Format("The manifest of {0} has the media type '{1}'; expected an OCI or Docker v2 image manifest or index.", reference, mediaType);

    public static string OciRedirects(string registry, int max) => Format("{0} redirected more than {1} times; expected the blob after at most {1} redirects.", registry, max);

    public static string OciRedirectToHttp(string url) => Format("The registry redirected an https request to plain http ({0}); that is refused unless plain http is allowed.", url);

    public static string OciUnauthorized(string registry, bool hadCredentials) =>
        hadCredentials ? Format("{0} refused the credentials (401).", registry) : Format("{0} needs credentials (401); {1}.", registry, LoginHint);

    public static string OciBadChallenge(string registry) => Format("{0} asked for a token without a usable realm in WWW-Authenticate; expected Bearer realm=\"https://...\".", registry);

    public static string OciTokenOverHttp(string url) => Format("The token service {0} is plain http and the credentials would travel in clear; that is refused unless plain http is allowed.", url);

    public static string OciTokenRefused(string registry, int status, bool hadCredentials) =>
        hadCredentials ? Format("The token service of {0} refused the credentials ({1}).", registry, status) : Format("The token service of {0} refused an anonymous pull ({1}); {2}.", registry, status, LoginHint);

    public static string OciTokenAnswer(string registry) => Format("The token service of {0} answered without a token; expected JSON with 'token' or 'access_token'.", registry);

    public static string OciForbidden(string reference, int status, string detail, bool hadCredentials) =>
        Format("The registry refused {0} ({1}{2}){3}", reference, status, detail.Length > 0 ? ": " + detail : string.Empty, hadCredentials ? "; the credentials do not allow a pull." : "; " + LoginHint + ".");

    public static string OciManifestUnknown(string reference, string detail) => Format("The registry does not know {0} (404{1}); check the repository, tag or digest.", reference, detail.Length > 0 ? ": " + detail : string.Empty);

    public static string OciBlobUnknown(string path, string reference, string detail) => Format("The registry does not have '{0}' that {1} needs (404{2}).", path, reference, detail.Length > 0 ? ": " + detail : string.Empty);

    public static string OciStatus(string registry, int status, string detail) => Format("{0} answered {1}{2}.", registry, status, detail.Length > 0 ? " (" + detail + ")" : string.Empty);

    public static string OciGaveUp(string message, int attempts) => Format("{0} Gave up after {1} attempts.", message.TrimEnd('.') + ".", attempts);

    public static string OciUnsupportedDigest(string digest) => Format("The digest '{0}' is not supported; expected 'sha256:' and 64 lowercase hexadecimal digits.", digest);

    public static string OciNoPlatform(string reference, string wanted, string available) => Format("{0} has no image for {1}; it has: {2} (choose one with --platform).", reference, wanted, available);
}
