using System.Globalization;
using System.Net;

namespace Golem.VmImages.Publishing.S3;

/// <summary>Every message the S3 target puts into an exception.</summary>
internal static class S3ErrorMessages
{
    public static string NotS3Location(string location) =>
        Format("'{0}' is not an S3 location; expected s3://BUCKET or s3://BUCKET/PREFIX.", location.Contains('@', StringComparison.Ordinal) ? "(a location with credentials)" : location);

    public static string UnsignedOverHttp(Uri endpoint) =>
        Format("Unsigned payloads were asked for, but the endpoint {0} is plain http; expected an https endpoint (or payload signing on or auto).", endpoint.GetLeftPart(UriPartial.Authority));

    public static string NotHttpUrl(string what) =>
        Format("The {0} is not an absolute http or https URL without credentials.", what);

    public static string Failed(string operation, string location, HttpStatusCode status, string? code, string? message) => status switch
    {
        HttpStatusCode.NotFound when code == "NoSuchBucket" =>
            Format("{0} on {1} failed: the bucket does not exist (404 NoSuchBucket); create it or check the bucket name and endpoint.", operation, location),
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
            Format("{0} on {1} was refused ({2} {3}{4}); check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile) and that they may write to the bucket.", operation, location, (int)status, code ?? status.ToString(), Detail(message)),
        _ => Format("{0} on {1} failed ({2} {3}{4}).", operation, location, (int)status, code ?? status.ToString(), Detail(message)),
    };

    public static string KeyAppeared(string location) =>
        Format("{0} got an object while this image was being published; expected the key to stay free (publish again to compare it, or overwrite).", location);

    public static string Unreachable(string operation, string location, string reason) =>
        Format("{0} on {1} failed: the endpoint could not be reached ({2}).", operation, location, reason);

    private static string Detail(string? message) =>
        string.IsNullOrWhiteSpace(message) ? string.Empty : ": " + message.Split('\n')[0].Trim();

    private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
