// Provider: download an image, verify its SHA3-224 and keep it in a content-addressed cache; a second fetch comes
// from the cache, and a wrong hash is refused. Everything runs on loopback: the sample serves its own image.
// Usage: dotnet run --project samples/Provider
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
// <provider-usings>
using Golem.VmImages;
using Golem.VmImages.Fetching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
// </provider-usings>

var imagePath = Path.Combine(AppContext.BaseDirectory, "hello.gvmi");
await using var imageServer = await StartImageServerAsync(imagePath);
var cacheDirectory = Directory.CreateTempSubdirectory("golem-provider-cache-").FullName;

// <provider>
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
// This sample prints every outcome itself (from the result, or the exception that refuses a wrong hash), so the
// fetcher's own log lines, which say the same, are left out.
builder.Logging.AddFilter(typeof(ImageFetcher).FullName, LogLevel.None);
builder.Services.AddGolemVmImages(options =>
{
    options.CacheDirectory = cacheDirectory;
    options.MaxAttempts = 5;
});
using var host = builder.Build();
var fetcher = host.Services.GetRequiredService<IImageFetcher>();

TaskPackage task = TaskPackage.Parse($"hash:sha3:{await ImageHasher.HashFileAsync(imagePath)}:{imageServer.Url}");
var progress = new Progress<ImageFetchProgress>(p => Console.WriteLine($"  {p.Phase}: {p.BytesDone} of {p.TotalBytes?.ToString() ?? "?"} bytes"));

FetchedImage image = await fetcher.FetchAsync(task, new ImageFetchRequest { Progress = progress });
Console.WriteLine($"verified {image.Digest} -> {image.Path} ({image.Length} bytes, from cache: {image.FromCache})");

FetchedImage again = await fetcher.FetchAsync(task);
Console.WriteLine($"second fetch from cache: {again.FromCache}, {again.BytesTransferred} bytes transferred");
// </provider>

try
{
    var wrong = new TaskPackage(ImageHash.OfEmptyInput, imageServer.Url);
    await fetcher.FetchAsync(wrong);
    Console.WriteLine("error: a wrong hash was accepted");
    return 1;
}
catch (ImageHashMismatchException ex)
{
    Console.WriteLine($"refused as expected: {ex.Message}");
}
finally
{
    Directory.Delete(cacheDirectory, recursive: true);
}

return image.FromCache || !again.FromCache ? 1 : 0;

static async Task<ImageServer> StartImageServerAsync(string path)
{
    var web = WebApplication.CreateSlimBuilder();
    web.Logging.ClearProviders();
    web.WebHost.UseUrls("http://127.0.0.1:0");
    var app = web.Build();
    app.MapGet("/hello.gvmi", () => Results.File(path, "application/octet-stream", enableRangeProcessing: true));
    await app.StartAsync();
    return new ImageServer(app, new Uri(new Uri(app.Urls.First()), "/hello.gvmi"));
}

/// <summary>The sample's own loopback HTTP server for the image.</summary>
internal sealed record ImageServer(WebApplication App, Uri Url) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => App.DisposeAsync();
}
