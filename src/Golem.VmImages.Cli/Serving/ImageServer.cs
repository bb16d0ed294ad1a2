using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// Serves a fixed set of images over HTTP with Kestrel: each at <c>/&lt;file name&gt;</c> with Range, a strong ETag
/// (the image hash), Last-Modified, If-Range, HEAD and 304/412 handling, plus an index at <c>/</c>. Any other
/// path is 404: only the files given are ever reachable.
/// </summary>
internal sealed class ImageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ImageServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<ImageServer> StartAsync(IReadOnlyList<ServedImage> images, IPAddress bind, int port, CancellationToken cancellationToken)
    {
        var byName = images.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(bind, port));
        var app = builder.Build();

        app.MapGet("/", (HttpContext context) => ServeIndex(context, images));
        app.MapMethods("/{name}", [HttpMethods.Get, HttpMethods.Head], (string name) => ServeImage(byName, name));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ImageServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IResult ServeIndex(HttpContext context, IReadOnlyList<ServedImage> images)
    {
        var request = context.Request;
        var baseAddress = new Uri($"{request.Scheme}://{request.Host}/");
        var wantsJson = string.Equals(request.Query["format"], "json", StringComparison.OrdinalIgnoreCase)
            || request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
        return wantsJson
            ? Results.Text(ImageIndex.ToJson(images, baseAddress), "application/json")
            : Results.Text(ImageIndex.ToHtml(images, baseAddress), "text/html; charset=utf-8");
    }

    private static IResult ServeImage(Dictionary<string, ServedImage> images, string name)
    {
        if (!images.TryGetValue(name, out var image))
        {
            return Results.NotFound();
        }

        if (!image.IsUnchangedOnDisk())
        {
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                detail: $"{image.Name} changed on disk after it was hashed; restart gvmi serve to publish its new hash.");
        }

        return Results.File(
            image.Path,
            "application/octet-stream",
            lastModified: image.LastModified,
            entityTag: new EntityTagHeaderValue(image.EntityTag),
            enableRangeProcessing: true);
    }
}
