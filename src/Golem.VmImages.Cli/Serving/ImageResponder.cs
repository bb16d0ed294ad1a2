using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Answers GET and HEAD for one image from an open file: the validators (strong ETag = the hash, Last-Modified),
/// the preconditions in the order HTTP defines them (If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since),
/// then Range (one range, or several as <c>multipart/byteranges</c>), with <c>Accept-Ranges: bytes</c> on every answer.
/// </summary>
internal static class ImageResponder
{
    private const int BufferSize = 128 * 1024;
    private const string ContentType = "application/octet-stream";

    public static async Task RespondAsync(HttpContext context, ServedImage image, SafeFileHandle file, ResponseBytes sent)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = request.GetTypedHeaders();
        var lastModified = TruncateToSeconds(image.LastModified);
        var entityTag = new EntityTagHeaderValue(image.EntityTag);
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = image.EntityTag;
        response.Headers.LastModified = HeaderUtilities.FormatDate(lastModified);

        if (PreconditionFails(request, headers, entityTag, lastModified))
        {
            response.StatusCode = StatusCodes.Status412PreconditionFailed;
            return;
        }

        if (NotModified(request, headers, entityTag, lastModified))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var ranges = HttpMethods.IsGet(request.Method)
            ? RangeRequest.Evaluate(request.Headers.Range, request.Headers.IfRange, image.Length, image.EntityTag, lastModified)
            : null;
        var cancellationToken = context.RequestAborted;
        switch (ranges)
        {
            case null:
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = ContentType;
                response.ContentLength = image.Length;
                await WriteBodyAsync(context, file, new ByteRange(0, image.Length), sent, cancellationToken).ConfigureAwait(false);
                break;
            case []:
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{image.Length.ToString(CultureInfo.InvariantCulture)}";
                response.ContentLength = 0;
                break;
            case [var single]:
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.ContentType = ContentType;
                response.ContentLength = single.Length;
                response.Headers.ContentRange = ContentRange(single, image.Length);
                await WriteBodyAsync(context, file, single, sent, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await WriteMultipartAsync(context, file, ranges, image.Length, sent, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static bool PreconditionFails(HttpRequest request, RequestHeaders headers, EntityTagHeaderValue entityTag, DateTimeOffset lastModified)
    {
        if (request.Headers.IfMatch.Count > 0)
        {
            return !headers.IfMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(entityTag, useStrongComparison: true));
        }

        return headers.IfUnmodifiedSince is { } since && lastModified > since;
    }

    private static bool NotModified(HttpRequest request, RequestHeaders headers, EntityTagHeaderValue entityTag, DateTimeOffset lastModified)
    {
        if (request.Headers.IfNoneMatch.Count > 0)
        {
            return headers.IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(entityTag, useStrongComparison: false));
        }

        return headers.IfModifiedSince is { } since && lastModified <= since;
    }

    private static async Task WriteMultipartAsync(HttpContext context, SafeFileHandle file, IReadOnlyList<ByteRange> ranges, long length, ResponseBytes sent, CancellationToken cancellationToken)
    {
        var boundary = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var partHeaders = ranges.Select(r => Encoding.ASCII.GetBytes(
            $"\r\n--{boundary}\r\nContent-Type: {ContentType}\r\nContent-Range: {ContentRange(r, length)}\r\n\r\n")).ToList();
        var closing = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status206PartialContent;
        response.ContentType = "multipart/byteranges; boundary=" + boundary;
        response.ContentLength = partHeaders.Sum(h => (long)h.Length) + ranges.Sum(r => r.Length) + closing.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            await response.Body.WriteAsync(partHeaders[i], cancellationToken).ConfigureAwait(false);
            sent.Add(partHeaders[i].Length);
            await WriteBodyAsync(context, file, ranges[i], sent, cancellationToken).ConfigureAwait(false);
        }

        await response.Body.WriteAsync(closing, cancellationToken).ConfigureAwait(false);
        sent.Add(closing.Length);
    }

    private static async Task WriteBodyAsync(HttpContext context, SafeFileHandle file, ByteRange range, ResponseBytes sent, CancellationToken cancellationToken)
    {
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = context.Response.Body;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var offset = range.Start;
            var end = range.Start + range.Length;
            while (offset < end)
            {
                var want = (int)Math.Min(buffer.Length, end - offset);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException(string.Create(CultureInfo.InvariantCulture, $"The file ended at byte {offset} of {end}: it was truncated while being served."));
                }

                await body.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                sent.Add(read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string ContentRange(ByteRange range, long length) =>
        string.Create(CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.End}/{length}");

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
