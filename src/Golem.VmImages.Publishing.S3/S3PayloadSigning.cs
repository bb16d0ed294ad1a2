namespace Golem.VmImages.Publishing.S3;

/// <summary>Whether upload bodies are covered by the SigV4 signature.</summary>
public enum S3PayloadSigning
{
    /// <summary>The SDK's default on AWS; for a custom endpoint over https, unsigned payloads (what Cloudflare R2 and Backblaze B2 need); signed over plain http, where unsigned is not allowed.</summary>
    Auto,

    /// <summary>Always sign the payload (the SDK's streaming signature).</summary>
    On,

    /// <summary>Never sign the payload (<c>UNSIGNED-PAYLOAD</c>); needs an https endpoint.</summary>
    Off,
}
