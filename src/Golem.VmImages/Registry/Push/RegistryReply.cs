using System.Net;

namespace Golem.VmImages.Registry.Push;

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

    /// <summary>The start of the body as one line of text, as the registry's other errors quote it.</summary>
    public string Excerpt() => HttpImageRegistry.Excerpt(Body);
}
