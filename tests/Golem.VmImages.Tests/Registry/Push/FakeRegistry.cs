using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using BouncyCastleSha3 = Org.BouncyCastle.Crypto.Digests.Sha3Digest;

namespace Golem.VmImages.Tests.Registry.Push;

/// <summary>
/// An in-process Golem image registry on loopback, written from what gvmkit-build's client sends and reads:
/// <c>POST /auth/pat/login</c>, <c>GET /v1/image/descr/{sha256}</c>, <c>POST /v1/image/push/descr</c>,
/// <c>POST /v1/image/push/chunk</c>, <c>POST /v1/image/descr/attach/{sha256}</c> and <c>GET /v1/image/info</c>.
/// It is strict about the request shapes (form fields in gvmkit-build's order, the <c>file</c> part, every hash
/// checked independently with BouncyCastle and the BCL) and can inject faults.
/// </summary>
/// <remarks>
/// Assumptions where the real registry's behaviour is not known from the client: an unknown upload answers 404 with
/// <c>{"descriptor": "not found"}</c>; a rejected chunk answers 400 with a text message; an upload becomes "full"
/// <see cref="PollsBeforeFull"/> status requests after its last chunk arrived (the client waits because the real one
/// sits on NFS); attaching needs the repository to exist for the user; <c>/v1/image/info</c> answers as the resolve side does.
/// </remarks>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentDictionary<string, Upload> _uploads = new();
    private readonly ConcurrentDictionary<string, string> _tags = new();
    private readonly ConcurrentDictionary<int, int> _chunkFaults = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentQueue<int> _chunksAccepted = new();
    private readonly ConcurrentDictionary<int, int> _chunkRequests = new();

    private FakeRegistry(LoopbackServer server, bool keepChunks)
    {
        _server = server;
        KeepChunks = keepChunks;
    }

    public Uri BaseAddress => _server.BaseAddress;

    public bool KeepChunks { get; }

    public string User { get; set; } = "alice";

    public string Token { get; set; } = "pat-4f1c9e7d-secret";

    /// <summary>Gets the repositories (<c>user/repository</c>) a tag may be attached to.</summary>
    public HashSet<string> Repositories { get; } = ["alice/app"];

    /// <summary>Gets or sets how many status requests after the last chunk still answer "partial".</summary>
    public int PollsBeforeFull { get; set; } = 1;

    /// <summary>Gets or sets a chunk number whose data the registry "corrupts" on receipt, so its hash check fails.</summary>
    public int? CorruptChunk { get; set; }

    /// <summary>Gets or sets a status the login answers whatever the credentials (for example 401).</summary>
    public int? LoginStatus { get; set; }

    /// <summary>Gets or sets a status the tag check (<c>check=true</c>) answers (for example 403).</summary>
    public int? AttachCheckStatus { get; set; }

    /// <summary>Gets or sets an image hash <c>/v1/image/info</c> answers instead of the real one.</summary>
    public string? InfoSha3Override { get; set; }

    /// <summary>Gets every request, <c>METHOD /path?query</c>, in arrival order.</summary>
    public IReadOnlyCollection<string> Log => _log;

    /// <summary>Gets the chunk numbers accepted, in order of acceptance.</summary>
    public IReadOnlyCollection<int> ChunksAccepted => _chunksAccepted;

    public int ChunkRequests(int index) => _chunkRequests.GetValueOrDefault(index);

    public int ChunkRequestCount => _chunkRequests.Values.Sum();

    /// <summary>Gets the attach requests' form fields, in order.</summary>
    public ConcurrentQueue<Dictionary<string, string>> Attachments { get; } = new();

    public static async Task<FakeRegistry> StartAsync(bool keepChunks = true, int port = 0)
    {
        FakeRegistry? registry = null;
        var server = await LoopbackServer.StartAsync(
            app => app.Run(context => registry!.HandleAsync(context)),
            kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Listen(IPAddress.Loopback, port);
            });
        registry = new FakeRegistry(server, keepChunks);
        return registry;
    }

    /// <summary>Makes chunk <paramref name="index"/> answer <paramref name="status"/> (with <c>Retry-After: 0</c> for 429) the next <paramref name="times"/> times; status 0 drops the connection instead.</summary>
    public void FailChunk(int index, int times, int status = 503)
    {
        _chunkFaults[index] = times;
        _faultStatus[index] = status;
    }

    private readonly ConcurrentDictionary<int, int> _faultStatus = new();

    /// <summary>Stores a descriptor and some of its chunks as if an earlier push had been interrupted.</summary>
    public void Seed(ReadOnlySpan<byte> descriptor, byte[] image, IEnumerable<int> storedChunks)
    {
        var upload = Upload.Parse(descriptor.ToArray()) ?? throw new ArgumentException("not a descriptor");
        foreach (var index in storedChunks)
        {
            var offset = (int)(index * upload.ChunkSize);
            upload.Store(index, image.AsSpan(offset, (int)Math.Min(upload.ChunkSize, upload.Size - offset)).ToArray(), KeepChunks);
        }

        _uploads[upload.Sha256] = upload;
    }

    /// <summary>The image as the registry assembled it from the chunks it stored, or null when some are missing.</summary>
    public byte[]? Assembled(string descriptorSha256) =>
        _uploads.TryGetValue(descriptorSha256, out var upload) ? upload.Assemble() : null;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>SHA3-224 by BouncyCastle, independent of the code under test.</summary>
    public static byte[] Sha3_224(byte[] data)
    {
        var sha3 = new BouncyCastleSha3(224);
        sha3.BlockUpdate(data, 0, data.Length);
        var digest = new byte[28];
        sha3.DoFinal(digest, 0);
        return digest;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        _log.Enqueue(request.Method + " " + path + request.QueryString.Value);
        switch (request.Method, path)
        {
            case ("POST", "/auth/pat/login"):
                await LoginAsync(context);
                return;
            case ("GET", _) when path.StartsWith("/v1/image/descr/", StringComparison.Ordinal):
                await StatusAsync(context, path["/v1/image/descr/".Length..]);
                return;
            case ("POST", "/v1/image/push/descr"):
                await PushDescriptorAsync(context);
                return;
            case ("POST", "/v1/image/push/chunk"):
                await PushChunkAsync(context);
                return;
            case ("POST", _) when path.StartsWith("/v1/image/descr/attach/", StringComparison.Ordinal):
                await AttachAsync(context, path["/v1/image/descr/attach/".Length..]);
                return;
            case ("GET", "/v1/image/info"):
                await InfoAsync(context);
                return;
            default:
                await Text(context, 404, "no such endpoint");
                return;
        }
    }

    private async Task LoginAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var user = body.RootElement.GetProperty("username").GetString();
        var password = body.RootElement.GetProperty("password").GetString();
        var status = LoginStatus ?? (user == User && password == Token ? 200 : 401);

        // A careless server echoes the credentials: the client must keep the token out of its messages.
        await Text(context, status, status == 200 ? "Token is valid" : $"Invalid personal access token '{password}' for {user}");
    }

    private async Task StatusAsync(HttpContext context, string sha256)
    {
        if (!_uploads.TryGetValue(sha256, out var upload))
        {
            await Json(context, 404, """{"descriptor":"not found"}""");
            return;
        }

        var full = upload.IsComplete && upload.CountPollAfterComplete() > PollsBeforeFull;
        var chunks = string.Join(',', upload.Bitmap());
        await Json(context, 200, $$"""{"descriptor":"ok","version":0,"status":"{{(full ? "full" : "partial")}}","chunks":[{{chunks}}]}""");
        if (full)
        {
            upload.Full = true;
        }
    }

    private async Task PushDescriptorAsync(HttpContext context)
    {
        var parts = await ReadFormAsync(context.Request, keepFile: true);
        if (parts is null || parts.Fields.Count != 0 || parts.File is null)
        {
            await Text(context, 400, "expected one part 'file' (descriptor.txt, application/octet-stream)");
            return;
        }

        var upload = Upload.Parse(parts.File);
        if (upload is null)
        {
            await Text(context, 400, "invalid descriptor");
            return;
        }

        _uploads.TryAdd(upload.Sha256, upload);
        await Text(context, 200, "descriptor stored");
    }

    private async Task PushChunkAsync(HttpContext context)
    {
        var parts = await ReadFormAsync(context.Request, keepFile: KeepChunks);
        string[] order = ["descr-sha256", "chunk-no", "chunk-sha256", "chunk-pos", "chunk-len"];
        if (parts is null || !parts.Fields.Select(f => f.Key).SequenceEqual(order) || parts.FileSha256 is null)
        {
            await Text(context, 400, "expected the fields descr-sha256, chunk-no, chunk-sha256, chunk-pos, chunk-len, then the part 'file'");
            return;
        }

        var fields = parts.Fields.ToDictionary(f => f.Key, f => f.Value);
        var index = int.Parse(fields["chunk-no"], CultureInfo.InvariantCulture);
        _chunkRequests.AddOrUpdate(index, 1, (_, n) => n + 1);
        if (_chunkFaults.TryGetValue(index, out var left) && left > 0)
        {
            _chunkFaults[index] = left - 1;
            var status = _faultStatus[index];
            if (status == 0)
            {
                context.Abort();
                return;
            }

            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "0";
            }

            await Text(context, status, "registry busy, try again");
            return;
        }

        if (!_uploads.TryGetValue(fields["descr-sha256"], out var upload))
        {
            await Text(context, 404, "unknown descriptor");
            return;
        }

        var sha256 = parts.FileSha256;
        if (CorruptChunk == index)
        {
            sha256 = SHA256.HashData(sha256);
        }

        var expectedOffset = index * upload.ChunkSize;
        var expectedLength = index < upload.ChunkCount ? Math.Min(upload.ChunkSize, upload.Size - expectedOffset) : -1;
        if (fields["chunk-pos"] != expectedOffset.ToString(CultureInfo.InvariantCulture)
            || fields["chunk-len"] != expectedLength.ToString(CultureInfo.InvariantCulture)
            || parts.FileLength != expectedLength)
        {
            await Text(context, 400, $"chunk {index}: position or length does not match the descriptor");
            return;
        }

        if (!string.Equals(Convert.ToHexStringLower(sha256), fields["chunk-sha256"], StringComparison.Ordinal)
            || !sha256.AsSpan().SequenceEqual(upload.ChunkHash(index)))
        {
            await Text(context, 400, $"chunk {index}: sha256 mismatch");
            return;
        }

        upload.Store(index, parts.File, KeepChunks);
        _chunksAccepted.Enqueue(index);
        await Text(context, 200, "chunk stored");
    }

    private async Task AttachAsync(HttpContext context, string sha256)
    {
        var parts = await ReadFormAsync(context.Request, keepFile: false);
        var fields = parts?.Fields.ToDictionary(f => f.Key, f => f.Value) ?? [];
        Attachments.Enqueue(fields);
        var check = fields.GetValueOrDefault("check") == "true";
        if (fields.GetValueOrDefault("login") != User || fields.GetValueOrDefault("token") != Token)
        {
            await Text(context, 401, "invalid credentials");
            return;
        }

        if (check && AttachCheckStatus is { } forced)
        {
            await Text(context, forced, $"User {User} cannot push to {fields.GetValueOrDefault("username")}/{fields.GetValueOrDefault("repository")}");
            return;
        }

        var repository = fields.GetValueOrDefault("username") + "/" + fields.GetValueOrDefault("repository");
        if (!Repositories.Contains(repository))
        {
            await Text(context, 403, $"Repository {repository} does not exist or is not yours");
            return;
        }

        if (!_uploads.TryGetValue(sha256, out var upload))
        {
            await Text(context, 404, "unknown descriptor");
            return;
        }

        if (!check)
        {
            if (!upload.Full)
            {
                await Text(context, 400, "image is not complete");
                return;
            }

            _tags[repository + ":" + fields.GetValueOrDefault("tag")] = sha256;
        }

        await Text(context, 200, check ? "can be attached" : "tag attached");
    }

    private async Task InfoAsync(HttpContext context)
    {
        var query = context.Request.Query;
        Upload? upload = null;
        if (query["tag"].ToString() is { Length: > 0 } tag && _tags.TryGetValue(tag, out var sha256))
        {
            upload = _uploads[sha256];
        }
        else if (query["hash"].ToString() is { Length: > 0 } hash)
        {
            upload = _uploads.Values.FirstOrDefault(u => u.Full && u.ImageHashHex == hash);
        }

        if (upload is null)
        {
            await Text(context, 404, "image not found");
            return;
        }

        var origin = "http://" + context.Request.Host;
        var sha3 = InfoSha3Override ?? upload.ImageHashHex;
        await Json(context, 200, $$"""{"http":"{{origin}}/download/{{upload.Sha256}}","https":"https://registry.invalid/download/{{upload.Sha256}}","sha3":"{{sha3}}","size":{{upload.Size}}}""");
    }

    /// <summary>Reads a multipart form the way gvmkit-build sends it: text fields, then at most one part 'file'.</summary>
    private static async Task<FormParts?> ReadFormAsync(HttpRequest request, bool keepFile)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value!;
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        var parts = new FormParts();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                return null;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (name == "file")
            {
                if (HeaderUtilities.RemoveQuotes(disposition.FileName).Value != "descriptor.txt" || section.ContentType != "application/octet-stream")
                {
                    return null;
                }

                using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var kept = keepFile ? new MemoryStream() : null;
                var buffer = new byte[256 * 1024];
                int read;
                while ((read = await section.Body.ReadAsync(buffer)) > 0)
                {
                    sha256.AppendData(buffer, 0, read);
                    kept?.Write(buffer, 0, read);
                    parts.FileLength += read;
                }

                parts.FileSha256 = sha256.GetHashAndReset();
                parts.File = kept?.ToArray() ?? [];
            }
            else
            {
                if (section.ContentType is not null || name is null)
                {
                    return null;
                }

                using var text = new StreamReader(section.Body, Encoding.UTF8);
                parts.Fields.Add(new(name, await text.ReadToEndAsync()));
            }
        }

        return parts;
    }

    private static async Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text);
    }

    private static async Task Json(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    private sealed class FormParts
    {
        public List<KeyValuePair<string, string>> Fields { get; } = [];

        public byte[]? File { get; set; }

        public byte[]? FileSha256 { get; set; }

        public long FileLength { get; set; }
    }

    /// <summary>One upload: its descriptor, parsed here byte by byte, and the chunks stored so far.</summary>
    private sealed class Upload
    {
        private readonly byte[] _descriptor;
        private readonly byte[]?[] _chunks;
        private readonly bool[] _stored;
        private int _pollsAfterComplete;

        private Upload(byte[] descriptor, long size, long chunkSize, int chunkCount)
        {
            _descriptor = descriptor;
            Size = size;
            ChunkSize = chunkSize;
            ChunkCount = chunkCount;
            _chunks = new byte[chunkCount][];
            _stored = new bool[chunkCount];
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(descriptor));
            ImageHashHex = Convert.ToHexStringLower(descriptor.AsSpan(24, 28));
        }

        public string Sha256 { get; }

        public string ImageHashHex { get; }

        public long Size { get; }

        public long ChunkSize { get; }

        public int ChunkCount { get; }

        public bool Full { get; set; }

        public bool IsComplete
        {
            get
            {
                lock (_stored)
                {
                    return _stored.All(s => s);
                }
            }
        }

        public static Upload? Parse(byte[] descriptor)
        {
            if (descriptor.Length < 52 || BinaryPrimitives.ReadUInt64BigEndian(descriptor) != 0x0000000333333334)
            {
                return null;
            }

            var size = (long)BinaryPrimitives.ReadUInt64BigEndian(descriptor.AsSpan(8));
            var chunkSize = (long)BinaryPrimitives.ReadUInt64BigEndian(descriptor.AsSpan(16));
            if (chunkSize <= 0)
            {
                return null;
            }

            var count = (size + chunkSize - 1) / chunkSize;
            return descriptor.Length == 52 + (32 * count) ? new Upload(descriptor, size, chunkSize, (int)count) : null;
        }

        public ReadOnlySpan<byte> ChunkHash(int index) => _descriptor.AsSpan(52 + (32 * index), 32);

        public int CountPollAfterComplete() => Interlocked.Increment(ref _pollsAfterComplete);

        public IEnumerable<int> Bitmap()
        {
            lock (_stored)
            {
                return _stored.Select(s => s ? 1 : 0).ToArray();
            }
        }

        public void Store(int index, byte[]? data, bool keep)
        {
            lock (_stored)
            {
                _chunks[index] = keep ? data : null;
                _stored[index] = true;
            }
        }

        public byte[]? Assemble()
        {
            lock (_stored)
            {
                if (!_stored.All(s => s) || _chunks.Any(c => c is null))
                {
                    return null;
                }

                var image = _chunks.SelectMany(c => c!).ToArray();
                return Convert.ToHexStringLower(Sha3_224(image)) == ImageHashHex ? image : throw new InvalidOperationException("the assembled chunks do not hash to the descriptor's SHA3-224");
            }
        }
    }
}
