using System.Security.Cryptography;

namespace Golem.VmImages.Hashing;

/// <summary>A read sink that feeds every buffer to a SHA-256 (an OCI digest); with <c>check</c> false it does nothing.</summary>
internal sealed class Sha256Sink(bool check = true) : IReadSink, IDisposable
{
    private readonly IncrementalHash? _hash = check ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

    public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
    {
        _hash?.AppendData(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Returns the digest, in the <c>sha256:</c> form, of the bytes consumed so far.</summary>
    public string Digest() => "sha256:" + Convert.ToHexStringLower(_hash!.GetHashAndReset());

    public void Dispose() => _hash?.Dispose();
}
