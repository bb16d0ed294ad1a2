// Requestor: build the image part of a Golem demand in code, the C# counterpart of yapapi's vm.repo().
// Usage: dotnet run --project samples/Requestor
using System.Net;
using System.Text;
// <requestor-usings>
using Golem.VmImages;
// </requestor-usings>
using Golem.VmImages.Registry;

// 1. A self-hosted image: its hash and where it is served.
Console.WriteLine("== 1. direct hash and URL");
// <requestor>
var package = new ImagePackage(
    ImageHash.Parse("4d2273ca1a4405f0f58fb7e43721237bc19862f697685813e6413ca8"),
    new Uri("http://127.0.0.1:8000/hello.gvmi"))
{
    MinMemGib = 1,
    MinStorageGib = 4,
    Capabilities = [ImageCapabilities.Vpn],
};

ImageDemand demand = package.ToDemand();
foreach (var (name, value) in demand.Properties)
{
    Console.WriteLine($"{name} = {value}");
}

Console.WriteLine(demand.Constraints);
// </requestor>
Console.WriteLine(demand.ToJson());

// 2. From the image file itself (the publisher's side of the same flow).
var fromFile = await ImagePackage.FromFileAsync(
    Path.Combine(AppContext.BaseDirectory, "hello.gvmi"), new Uri("https://images.example.org/hello.gvmi"));
Print("2. from a file", fromFile with { MinCpuCores = 2 });

// 3. From a registry answer: vm.repo(image_tag=...). This sample runs offline, so the registry's answer is
//    canned; with a real registry, pass an HttpClient (or use services.AddGolemVmImages()).
using var registryClient = new HttpClient(new CannedRegistryAnswer(fromFile.ImageHash));
var registry = HttpImageRegistry.Create(registryClient);
ResolvedImage resolved = await registry.ResolveAsync(ImageQuery.ByTag("golem-examples/hello:1.0"));
Print($"3. from the registry ({resolved.SizeInBytes} bytes)", resolved.Package);

static void Print(string title, ImagePackage package)
{
    var demand = package.ToDemand();
    Console.WriteLine();
    Console.WriteLine($"== {title}");
    Console.WriteLine($"{TaskPackage.PropertyName} = {demand.TaskPackage}");
    Console.WriteLine($"{ImagePackage.PackageFormatPropertyName} = {demand.PackageFormat}");
    Console.WriteLine(demand.Constraints);
    Console.WriteLine(demand.ToJson());
}

/// <summary>Answers every request with what the Golem registry's /v1/image/info returns for a known image.</summary>
internal sealed class CannedRegistryAnswer(ImageHash hash) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var json = $$"""{"http": "http://127.0.0.1:8000/download/{{hash}}", "https": "https://127.0.0.1:8443/download/{{hash}}", "sha3": "{{hash}}", "size": 4231}""";
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
            RequestMessage = request,
        });
    }
}
