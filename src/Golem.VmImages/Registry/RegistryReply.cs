using System.Net;
using System.Text;

namespace Golem.VmImages.Registry;

/// <summary>One answer of the registry to a push request: its status, its body (at most <see cref="HttpImageRegistry.MaxResponseBytes"/>) and any <c>Retry-After</c>.</summary>
internal sealed record RegistryReply(HttpStatusCode StatusCode, byte[] Body, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;

    /// <summary>Gets a value indicating whether the answer asks for another attempt: 408, 429 or 5xx.</summary>
    public bool IsTransient => StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;

    public static async Task<RegistryReply> ReadAsync(HttpResponseMessage response, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var body = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while (body.Length < HttpImageRegistry.MaxResponseBytes
                && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, HttpImageRegistry.MaxResponseBytes - body.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                body.Write(buffer, 0, read);
            }

            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - timeProvider.GetUtcNow(),
                _ => (TimeSpan?)null,
            };
            return new RegistryReply(response.StatusCode, body.ToArray(), retryAfter);
        }
    }

    /// <summary>The start of the body as one line of text (control characters as spaces), at most <see cref="ImageRegistryStatusException.MaxExcerptLength"/> characters.</summary>
    public string Excerpt()
    {
        var text = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, ImageRegistryStatusException.MaxExcerptLength * 4));
        var builder = new StringBuilder(Math.Min(text.Length, ImageRegistryStatusException.MaxExcerptLength));
        foreach (var c in text)
        {
            if (builder.Length == ImageRegistryStatusException.MaxExcerptLength)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
