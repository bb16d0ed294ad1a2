namespace Golem.VmImages.Publishing.S3;

/// <summary>Where and how <see cref="S3PublishTarget"/> uploads.</summary>
public sealed class S3PublishTargetOptions
{
    /// <summary>The smallest part size S3 accepts (5 MiB) for every part but the last.</summary>
    public const int MinPartSize = 5 << 20;

    /// <summary>The largest part size this target uses (512 MiB), which bounds its memory use.</summary>
    public const int MaxPartSize = 512 << 20;

    /// <summary>The most parts S3 allows in one multipart upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Gets or sets the bucket.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>Gets or sets the key prefix images are published under, without leading or trailing slashes.</summary>
    /// <value>The default is the empty string, the bucket's root.</value>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Gets or sets the S3 API endpoint of a store other than AWS (R2, MinIO, B2, Ceph).</summary>
    /// <value>The default, <see langword="null"/>, is AWS S3 in <see cref="Region"/>.</value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets the region (AWS region name; <c>auto</c> for R2).</summary>
    /// <value>The default, <see langword="null"/>, takes the region from the AWS configuration (environment, profile), else <c>us-east-1</c>.</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets a value indicating whether the bucket is addressed in the path (<c>endpoint/bucket/key</c>) rather than the host name.</summary>
    /// <value>The default is <see langword="false"/>, virtual-hosted style.</value>
    public bool ForcePathStyle { get; set; }

    /// <summary>Gets or sets the URL the bucket's root is served at publicly (an R2 public or custom domain, a CDN).</summary>
    /// <value>The default, <see langword="null"/>, derives the public URL from the endpoint and bucket.</value>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Gets or sets the multipart part size in bytes; it is raised automatically when the image would need more than <see cref="MaxParts"/> parts.</summary>
    /// <value>The default is 8 MiB (with <see cref="MaxConcurrentParts"/> at 4, 32 MiB of parts in memory).</value>
    public int PartSize { get; set; } = 8 << 20;

    /// <summary>Gets or sets how many parts are uploaded at once; the upload holds this many part buffers in memory.</summary>
    /// <value>The default is 4; at most 64.</value>
    public int MaxConcurrentParts { get; set; } = 4;

    /// <summary>Gets or sets how many times one part is attempted before the upload fails and is aborted.</summary>
    /// <value>The default is 4 attempts; at most 20.</value>
    public int MaxPartAttempts { get; set; } = 4;

    /// <summary>Gets or sets the first delay between attempts of a part; it doubles with each attempt, with jitter.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan PartRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the clock that times the waits between part attempts and the 30-second bound on each clean-up request.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets whether upload bodies are signed.</summary>
    /// <value>The default is <see cref="S3PayloadSigning.Auto"/>.</value>
    public S3PayloadSigning PayloadSigning { get; set; }

    /// <summary>Gets or sets which checksums the SDK adds and checks.</summary>
    /// <value>The default is <see cref="S3ChecksumMode.Auto"/>.</value>
    public S3ChecksumMode Checksums { get; set; }

    /// <summary>Gets or sets a canned ACL for the published object, such as <c>public-read</c>.</summary>
    /// <value>The default, <see langword="null"/>, sends no ACL: buckets with ACLs disabled (the AWS default) reject one; make the bucket public with a policy instead.</value>
    public string? CannedAcl { get; set; }

    /// <summary>Parses an <c>s3://BUCKET[/PREFIX]</c> location into <see cref="Bucket"/> and <see cref="Prefix"/>.</summary>
    /// <param name="location">The location.</param>
    /// <returns>Options for that bucket and prefix, the rest at their defaults.</returns>
    /// <exception cref="ArgumentException"><paramref name="location"/> is not an <c>s3://</c> URL with a bucket.</exception>
    public static S3PublishTargetOptions FromLocation(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        const string scheme = "s3://";
        if (!location.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(S3ErrorMessages.NotS3Location(location), nameof(location));
        }

        var rest = location[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0 || bucket.Contains('@', StringComparison.Ordinal) || bucket.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException(S3ErrorMessages.NotS3Location(location), nameof(location));
        }

        return new S3PublishTargetOptions { Bucket = bucket, Prefix = prefix };
    }
}
