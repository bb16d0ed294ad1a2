namespace Golem.VmImages.Tests.Publishing;

/// <summary>A test's temporary folder, an anonymous HTTP client for the public checks and a hash store inside the folder.</summary>
internal sealed class PublishScratch : IDisposable
{
    public PublishScratch(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Store = new FileHashStore(Path.Combine(Root, "hashes"));
    }

    public string Root { get; }

    public HttpClient Http { get; } = new();

    public FileHashStore Store { get; }

    public void Dispose()
    {
        Http.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
