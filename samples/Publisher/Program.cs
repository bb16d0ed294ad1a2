// Publisher: the self-hosting flow. Hash the image you are about to upload, then give requestors its task package.
// Usage: dotnet run --project samples/Publisher [IMAGE.gvmi] [URL]
// <publish-usings>
using Golem.VmImages;
// </publish-usings>

var imagePath = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "hello.gvmi");
var imageUrl = new Uri(args.Length > 1 ? args[1] : "http://127.0.0.1:8000/hello.gvmi");

// <publish>
ImagePackage package = await ImagePackage.FromFileAsync(imagePath, imageUrl);

Console.WriteLine($"Image hash:   {package.ImageHash}");      // what `sha3sum -a 224` prints
Console.WriteLine($"Task package: {package.TaskPackage}");    // hash:sha3:<hex>:<url>
// </publish>

Console.WriteLine();
Console.WriteLine("C# requestor (Golem.VmImages):");
Console.WriteLine($"""
    var package = new ImagePackage(
        ImageHash.Parse("{package.ImageHash}"),
        new Uri("{package.ImageUrl}"));
    """);
Console.WriteLine();
Console.WriteLine("Python requestor (yapapi):");
Console.WriteLine($"""
    package = await vm.repo(
        image_hash="{package.ImageHash}",
        image_url="{package.ImageUrl}",
    )
    """);
