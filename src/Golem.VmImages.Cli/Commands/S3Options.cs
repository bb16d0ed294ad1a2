using System.CommandLine;
using Golem.VmImages.Publishing;
using Golem.VmImages.Publishing.S3;

namespace Golem.VmImages.Cli.Commands;

/// <summary>The <c>gvmi publish</c> options that only apply to an <c>s3://</c> target, and the target they build.</summary>
internal sealed class S3Options
{
    private readonly Option<string?> _endpoint = new("--endpoint") { Description = "S3: the API endpoint of a store other than AWS (R2, MinIO, B2, Ceph), like https://ACCOUNT.r2.cloudflarestorage.com." };
    private readonly Option<string?> _region = new("--region") { Description = "S3: the region (default: from the AWS configuration; 'auto' for R2)." };
    private readonly Option<bool> _pathStyle = new("--path-style") { Description = "S3: address the bucket in the path (endpoint/bucket/key), as MinIO and Ceph usually need." };
    private readonly Option<string?> _acl = new("--acl") { Description = "S3: a canned ACL such as public-read (default: none; AWS buckets with ACLs disabled reject one, use a bucket policy)." };
    private readonly Option<S3PayloadSigning> _payloadSigning = new("--payload-signing") { Description = "S3: sign upload bodies: auto (unsigned for a custom https endpoint, as R2/B2 need), on or off.", DefaultValueFactory = _ => S3PayloadSigning.Auto };
    private readonly Option<S3ChecksumMode> _checksums = new("--checksums") { Description = "S3: SDK checksums: auto (only where required for a custom endpoint), sdk or whenrequired.", DefaultValueFactory = _ => S3ChecksumMode.Auto };
    private readonly Option<int?> _partSizeMib = new("--part-size-mib") { Description = "S3: the multipart part size in MiB (5 to 512; default 8, raised automatically beyond 10,000 parts)." };
    private readonly Option<int?> _parallel = new("--parallel") { Description = "S3: parts uploaded at once (1 to 64; default 4)." };

    public static S3Options Create() => new();

    public void AddTo(Command command)
    {
        foreach (var option in Options())
        {
            command.Options.Add(option);
        }
    }

    public IImagePublishTarget CreateTarget(string location, Uri? publicBaseUrl, ParseResult parseResult)
    {
        var options = S3PublishTargetOptions.FromLocation(location);
        options.PublicBaseUrl = publicBaseUrl;
        options.Region = parseResult.GetValue(_region);
        options.ForcePathStyle = parseResult.GetValue(_pathStyle);
        options.CannedAcl = parseResult.GetValue(_acl);
        options.PayloadSigning = parseResult.GetValue(_payloadSigning);
        options.Checksums = parseResult.GetValue(_checksums);
        if (parseResult.GetValue(_endpoint) is { } endpoint)
        {
            options.ServiceUrl = Uri.TryCreate(endpoint, UriKind.Absolute, out var url) ? url : throw new ArgumentException("--endpoint: " + ErrorText.NotAbsoluteUrl(endpoint));
        }

        if (parseResult.GetValue(_partSizeMib) is { } mib)
        {
            options.PartSize = mib is >= 5 and <= 512 ? mib << 20 : throw new ArgumentException($"--part-size-mib is {mib}; expected 5 to 512.");
        }

        if (parseResult.GetValue(_parallel) is { } parallel)
        {
            options.MaxConcurrentParts = parallel;
        }

        return S3PublishTarget.Create(options);
    }

    public void RejectIfGiven(ParseResult parseResult)
    {
        if (Options().FirstOrDefault(option => parseResult.GetResult(option) is { Implicit: false }) is { } given)
        {
            throw new ArgumentException($"{given.Name} applies only to an s3:// target.");
        }
    }

    private IEnumerable<Option> Options() => [_endpoint, _region, _pathStyle, _acl, _payloadSigning, _checksums, _partSizeMib, _parallel];
}
