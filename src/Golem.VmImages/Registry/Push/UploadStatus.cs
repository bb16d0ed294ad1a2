using System.Net;
using System.Text.Json;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// The registry's answer to <c>GET /v1/image/descr/{descriptor sha256}</c>: <c>{"descriptor": "ok", "status": "full",
/// "chunks": [1, 0, ...]}</c> when it knows the upload; <c>descriptor</c> other than <c>"ok"</c> (or a 404) when not.
/// </summary>
internal sealed class UploadStatus
{
    private readonly bool[] _stored;

    private UploadStatus(bool descriptorKnown, bool full, bool[] stored)
    {
        DescriptorKnown = descriptorKnown;
        Full = full;
        _stored = stored;
    }

    public bool DescriptorKnown { get; }

    /// <summary>Gets a value indicating whether the registry has every chunk and has assembled the image.</summary>
    public bool Full { get; }

    public int MissingCount => Full ? 0 : _stored.Count(stored => !stored);

    public IEnumerable<int> MissingChunks => Full ? [] : Enumerable.Range(0, _stored.Length).Where(i => !_stored[i]);

    /// <summary>Reads the answer; gvmkit-build reads the JSON whatever the status, so does this (a 404 without JSON means an unknown upload).</summary>
    public static UploadStatus Parse(RegistryReply reply, int chunkCount, Uri requestUri)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(reply.Body);
        }
        catch (JsonException ex)
        {
            if (reply.StatusCode == HttpStatusCode.NotFound)
            {
                return new UploadStatus(false, false, new bool[chunkCount]);
            }

            throw new ImageRegistryResponseException(ErrorMessages.PushMalformedStatus(requestUri, ex.Message), requestUri, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("descriptor", out var descriptor)
                || descriptor.ValueKind != JsonValueKind.String)
            {
                throw new ImageRegistryResponseException(ErrorMessages.PushMalformedStatus(requestUri, "no 'descriptor' string"), requestUri);
            }

            var stored = new bool[chunkCount];
            if (descriptor.GetString() != "ok")
            {
                return new UploadStatus(false, false, stored);
            }

            var full = root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() == "full";
            if (root.TryGetProperty("chunks", out var chunks) && chunks.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var bit in chunks.EnumerateArray())
                {
                    if (index == chunkCount)
                    {
                        break;
                    }

                    stored[index++] = bit.ValueKind == JsonValueKind.Number && bit.TryGetInt64(out var value) && value == 1;
                }
            }

            return new UploadStatus(true, full, stored);
        }
    }
}
