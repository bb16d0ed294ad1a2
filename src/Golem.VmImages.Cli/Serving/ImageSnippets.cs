namespace Golem.VmImages.Cli.Serving;

/// <summary>The copy-ready lines the index offers for an image: C# (Golem.VmImages), Python (yapapi) and JavaScript (golem-js).</summary>
internal static class ImageSnippets
{
    /// <summary>The C# line: an <c>ImagePackage</c> with the default requirements.</summary>
    public static string CSharp(ImageHash hash, Uri url) =>
        $"var package = new ImagePackage(ImageHash.Parse(\"{hash}\"), new Uri({CliJson.Quote(url.AbsoluteUri)}));";

    /// <summary>The Python line: yapapi's <c>vm.repo(...)</c> with a direct URL.</summary>
    public static string Python(ImageHash hash, Uri url) =>
        $"package = await vm.repo(image_hash=\"{hash}\", image_url={CliJson.Quote(url.AbsoluteUri)})";

    /// <summary>The JavaScript line: golem-js's <c>demand.workload</c> with <c>imageHash</c> and <c>imageUrl</c>.</summary>
    public static string JavaScript(ImageHash hash, Uri url) =>
        $"demand: {{ workload: {{ imageHash: \"{hash}\", imageUrl: {CliJson.Quote(url.AbsoluteUri)} }} }},";
}
