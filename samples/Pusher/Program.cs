// Pusher: upload an image to a Golem image registry, as gvmkit-build --push does, and print its task package.
// Usage: dotnet run --project samples/Pusher REGISTRY-URL [IMAGE.gvmi] [USER/REPOSITORY:TAG]
// A tagged push takes the credentials from REGISTRY_USER and REGISTRY_TOKEN (as gvmkit-build); without a tag the
// image is anonymous, addressable by its hash only.
// <push-usings>
using Golem.VmImages.Fetching;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;
// </push-usings>

if (args.Length == 0 || !Uri.TryCreate(args[0], UriKind.Absolute, out var registryUrl))
{
    Console.Error.WriteLine("Usage: dotnet run --project samples/Pusher REGISTRY-URL [IMAGE.gvmi] [USER/REPOSITORY:TAG]");
    return 2;
}

var imagePath = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "hello.gvmi");
var tag = args.Length > 2 ? args[2] : null;

// <push>
using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }); // the token travels in request bodies
var pusher = ImagePusher.Create(
    http,
    new ImageRegistryOptions { BaseAddress = registryUrl },
    new ImagePusherOptions
    {
        // Shared with `gvmi push`: pushing the same unchanged file again does not read it to hash it.
        DescriptorCacheDirectory = Path.Combine(ImageFetcherOptions.DefaultCacheDirectory, "descriptors"),
    });

ImagePushResult result = await pusher.PushAsync(imagePath, new ImagePushOptions
{
    Tag = tag,
    Credentials = tag is null ? null : RegistryCredentials.FromEnvironment(),
    AllowInsecureHttp = registryUrl.IsLoopback, // a tagged push sends the token: plain http only to this machine
});

Console.WriteLine($"Image hash:   {result.ImageHash}");
Console.WriteLine($"Chunks sent:  {result.ChunksUploaded} of {result.Descriptor.ChunkCount}{(result.DescriptorFromCache ? " (descriptor remembered, file not re-read)" : "")}");
Console.WriteLine($"Task package: {result.Package.TaskPackage}");    // hash:sha3:<hex>:<registry download URL>
// </push>
return 0;
