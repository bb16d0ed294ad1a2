using System.Net;
using Amazon.Runtime;
using Golem.VmImages.Building;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Cli.Serving;
using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Oci;
using Golem.VmImages.Publishing;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Cli;

/// <summary>The process exit codes of <c>gvmi</c>, one table for every command (shown by <c>gvmi --help</c>).</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>At least one input could not be read or did not verify (like <c>sha3sum</c>).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: an unknown option, a missing or malformed value, a conflict, an output file that already exists.</summary>
    public const int Usage = 2;

    /// <summary>Downloaded or cached bytes did not hash to the expected digest.</summary>
    public const int Mismatch = 3;

    /// <summary>The image is not there: 404 or 410 from every source, a missing <c>file:</c> source, an unknown registry entry.</summary>
    public const int NotFound = 4;

    /// <summary>A network or disk failure (after the retries).</summary>
    public const int Network = 5;

    /// <summary>The image is larger than <c>--max-size</c>.</summary>
    public const int TooLarge = 6;

    /// <summary><c>gvmi push</c>: the registry refused the credentials or the tag (401 or 403).</summary>
    public const int Unauthorized = 7;

    /// <summary><c>gvmi publish</c>: a different object is already stored at the key (and <c>--overwrite</c> was not given).</summary>
    public const int Conflict = 8;

    /// <summary><c>gvmi publish</c>: the image was stored, but its public URL does not serve it as providers need.</summary>
    public const int NotPublic = 9;

    /// <summary>Interrupted by the user (128 + SIGINT).</summary>
    public const int Canceled = 130;

    /// <summary>The table as <c>gvmi --help</c> and the README show it: each code with its meaning.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Table { get; } =
    [
        (Success, "success"),
        (Failure, "an input could not be read or did not verify"),
        (Usage, "usage: unknown command or option, bad value, conflicting options, output file exists"),
        (Mismatch, "the bytes did not match the expected hash"),
        (NotFound, "not found (404/410, missing input file, unknown image)"),
        (Network, "network or disk failure (disk full, destination not writable), after retries"),
        (TooLarge, "larger than --max-size"),
        (Unauthorized, "the registry refused the credentials or the tag (401/403)"),
        (Conflict, "publish: a different object is already at the key (without --overwrite)"),
        (NotPublic, "publish: stored, but the public URL does not serve it as providers need"),
        (Canceled, "interrupted (Ctrl-C), also when it stopped a child tool"),
    ];

    /// <summary>
    /// The exit code for a failure a command threw: the one table every command follows. The most specific types come
    /// first, then each family by its base class (a new subclass of a family gets the family's code), then the
    /// runtime's own exceptions; anything else is <see cref="Failure"/>.
    /// </summary>
    public static int Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OperationCanceledException => Canceled,
            UsageException or ArgumentException => Usage,
            ServeStartupException serve => serve.ExitCode,
            DiskException => Network,

            // Fetching: the most specific first, then a download that failed on every URL by what the URLs said.
            ImageHashMismatchException => Mismatch,
            ImageTooLargeException => TooLarge,
            ImageDestinationConflictException => Usage,
            ImageDownloadException { UrlFailures.Count: > 0 } all when all.UrlFailures.All(f => f is ImageHashMismatchException) => Mismatch,
            ImageDownloadException { UrlFailures.Count: > 0 } all when all.UrlFailures.All(IsNotFound) => NotFound,
            ImageDownloadException single when IsNotFound(single) => NotFound,
            ImageDownloadException download when DiskException.IsDiskFull(download) || DiskException.IsPermissionDenied(download) => Network,
            ImageDownloadException => Network,

            // Publishing.
            ImageKeyConflictException => Conflict,
            ImageNotPubliclyReadableException => NotPublic,
            ImagePublishException { InnerException: ImageHashMismatchException } => Mismatch,
            ImagePublishException { StatusCode: HttpStatusCode.NotFound } => NotFound,
            ImagePublishException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => Unauthorized,
            ImagePublishException { StatusCode: null or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => Network,
            ImagePublishException => Failure,
            AmazonServiceException { StatusCode: HttpStatusCode.NotFound } => NotFound,
            AmazonServiceException or AmazonClientException => Network,

            // The registries: the Golem registry (resolve, push) and OCI registries (build NAME).
            ImageRegistryAuthorizationException or OciRegistryAuthorizationException => Unauthorized,
            OciImageNotFoundException => NotFound,
            OciDigestMismatchException => Mismatch,
            ImageNotFoundException => NotFound,
            ImageRegistryResponseException => Failure,
            ImageRegistryException => Network,

            // Inputs that are not images, sources that cannot be built.
            GvmiFormatException or ImageBuildException => Failure,

            // The runtime's own: a missing input is "not found"; a full disk is a disk failure.
            FileNotFoundException or DirectoryNotFoundException => NotFound,
            _ when DiskException.IsDiskFull(exception) => Network,
            _ => Failure,
        };
    }

    private static bool IsNotFound(Exception ex) =>
        ex is ImageDownloadException { StatusCode: HttpStatusCode.NotFound or HttpStatusCode.Gone } or ImageDownloadException { InnerException: FileNotFoundException or DirectoryNotFoundException };
}
