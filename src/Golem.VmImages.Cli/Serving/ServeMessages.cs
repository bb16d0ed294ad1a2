using System.Globalization;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// What <c>gvmi serve</c> prints about its start-up, its images and its errors, one sentence each: a start-up failure
/// is thrown and written by the command line's one error writer; a note while serving is written as a <see cref="Line"/>.
/// </summary>
internal static class ServeMessages
{
    /// <summary>The name serve's messages start with.</summary>
    private static readonly string CommandName = $"{CliInvocation.ToolName} serve";

    /// <summary><paramref name="sentence"/> as a line of standard error, <c>gvmi serve: sentence</c>.</summary>
    public static string Line(string sentence) => ErrorWriter.Note(CommandName, sentence);

    public static string PortOutOfRange(int port) =>
        Format("--port {0} is out of range; expected 0 (any free port) to 65535.", port);

    public static string UnknownBindAddress(string bind) =>
        Format("--bind '{0}' is not an IP address or 'localhost'; expected e.g. 127.0.0.1, ::1, 0.0.0.0, :: or localhost.", bind);

    public static string BadPublicUrl(string url) =>
        Format("--public-url '{0}' is not an absolute http or https URL; expected e.g. https://images.example.org/golem/.", url);

    public static string TlsPairIncomplete => "--tls-cert and --tls-key go together; expected both PEM files or neither.";

    public static string TlsUnusable(string certificate, string key, Exception ex) =>
        Format("cannot use the TLS certificate '{0}' with the key '{1}': {2}", certificate, key, Reason(ex));

    public static string CannotListen(string endpoint, Exception ex) =>
        Format("cannot listen on {0}: {1}", endpoint, Reason(ex));

    public static string NoSuchFile(string path) => Format("cannot serve '{0}': no such file or folder.", path);

    public static string FileUnreadable(string path, Exception ex) => Format("cannot serve '{0}': {1}", path, Reason(ex));

    public static string FolderUnreadable(string path, Exception ex) => Format("cannot serve the folder '{0}': {1}", path, Reason(ex));

    public static string CannotHash(string path) => Format("cannot serve '{0}': it could not be hashed (see above).", path);

    public static string DuplicateName(string name, IEnumerable<string> paths) =>
        Format("two images share the file name '{0}' ({1}); each is served at /<file name>, so names must be unique.", name, string.Join(", ", paths));

    public static string DuplicateSkipped(string path, string name) =>
        Format("not serving '{0}': another image is already served as /{1}.", path, name);

    public static string BrokenLink(string path) => Format("not serving '{0}': it is a symbolic link whose target does not exist.", path);

    public static string LinkOutside(string path, string target) =>
        Format("not serving '{0}': it is a symbolic link to '{1}', outside the served folders.", path, target);

    public static string HashFailed(string path, string error) => Format("cannot hash '{0}': {1}.", path, error.TrimEnd('.'));

    public static string ChangedWhileHashing(string name) =>
        Format("{0} changed while it was hashed; it is served once it holds still.", name);


    public static string RescanFailed(Exception ex) => Format("rescanning the served files failed: {0} The images already hashed are still served.", Reason(ex));

    public static string Hashing(int count) => Format("hashing {0} image(s)...", count);

    public static string Added(ServedImage image) => Format("serving {0} ({1} bytes, {2}).", image.Name, image.Length, image.Hash);

    public static string Changed(ServedImage image) => Format("{0} changed on disk; now served with its new hash {1}.", image.Name, image.Hash);

    public static string Removed(string name) => Format("{0} is gone from disk; no longer served.", name);

    public static string WildcardWithoutPublicUrl(Uri advertised) =>
        Format("listening on every interface, but the advertised URLs start with {0}, which other machines cannot use; pass --public-url with the address providers reach.", advertised);

    public static string Stopping(TimeSpan bound) =>
        Format("stopping: no new connections; running transfers get {0:0.#} s to finish.", bound.TotalSeconds);

    public static string RequestFailed(string method, string target, string client, Exception ex) =>
        Format("error serving {0} {1} to {2}: {3}: {4}", method, target, client, ex.GetType().Name, ex.Message);

    public static string SlowClientCut(string client, long received, double minimumRate, TimeSpan period) =>
        Format("cut off {0}: it received {1} bytes in the last {2} s, under the {3} bytes/s a client must read.", client, received, period.TotalSeconds, minimumRate);

    /// <summary>The cause of <paramref name="ex"/> in a few words (the innermost socket or OS message when there is one).</summary>
    public static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        var message = inner.Message.TrimEnd('.');
        return message.Length == 0 ? inner.GetType().Name : message + ".";
    }

    private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
