namespace Golem.VmImages.Publishing.S3;

/// <summary>Which integrity checksums the SDK adds to requests and checks on responses.</summary>
public enum S3ChecksumMode
{
    /// <summary>The SDK's defaults on AWS; only where an operation requires them for a custom endpoint (stores such as R2 and B2 reject the default CRC headers).</summary>
    Auto,

    /// <summary>The SDK's defaults (a CRC checksum on every upload and checked on every download).</summary>
    Sdk,

    /// <summary>Only where an operation requires them.</summary>
    WhenRequired,
}
