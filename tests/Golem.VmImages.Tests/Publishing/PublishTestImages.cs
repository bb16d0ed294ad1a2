using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>Valid .gvmi files of a chosen size: <c>hsqs</c> + seeded random bytes + a real trailer.</summary>
internal static class PublishTestImages
{
    public static async Task<string> WriteAsync(string directory, string name, int payloadLength, int seed)
    {
        var payload = new byte[payloadLength];
        new Random(seed).NextBytes(payload);
        Golem.VmImages.Tests.Gvmi.TestSquashfs.Stamp(payload);
        var path = Path.Combine(directory, name);
        await using var file = File.Create(path);
        await GvmiFile.WriteAsync(new MemoryStream(payload), new GvmiContainerConfig { Cmd = ["/bin/true"] }, file);
        return path;
    }

    public static string[] FilesUnder(string directory) =>
        [.. Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f)).Order(StringComparer.Ordinal)];
}
