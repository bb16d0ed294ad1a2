using System.Globalization;
using System.Text;
using Golem.VmImages.Packages;

namespace Golem.VmImages.Cli.Snippets;

/// <summary>
/// The one renderer of the code a requestor pastes to use an image: C# (Golem.VmImages), Python (yapapi) and
/// JavaScript (golem-js), used by <c>gvmi package</c>, <c>gvmi publish</c> and the <c>gvmi serve</c> index. A package
/// with the default requirements is one line in each language; other requirements are added one per line.
/// </summary>
internal static class ImageSnippets
{
    /// <summary>The C# code: an <c>ImagePackage</c>, with an initializer for requirements other than the defaults.</summary>
    public static string CSharp(ImagePackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        var head = $"var package = new ImagePackage(ImageHash.Parse(\"{package.ImageHash}\"), new Uri({CliJson.Quote(package.ImageUrl.OriginalString)}))";
        var lines = new List<string>();
        AddIf(lines, package.MinMemGib != ImagePackage.DefaultMinMemGib, $"MinMemGib = {package.MinMemGib.ToString("R", CultureInfo.InvariantCulture)},");
        AddIf(lines, package.MinStorageGib != ImagePackage.DefaultMinStorageGib, $"MinStorageGib = {package.MinStorageGib.ToString("R", CultureInfo.InvariantCulture)},");
        AddIf(lines, package.MinCpuThreads != ImagePackage.DefaultMinCpuThreads, string.Create(CultureInfo.InvariantCulture, $"MinCpuThreads = {package.MinCpuThreads},"));
        AddIf(lines, package.MinCpuCores is not null, string.Create(CultureInfo.InvariantCulture, $"MinCpuCores = {package.MinCpuCores},"));
        AddIf(lines, package.Capabilities.Count > 0, $"Capabilities = [{string.Join(", ", package.Capabilities.Select(CliJson.Quote))}],");
        AddIf(lines, package.Runtime != ImageRuntimes.Vm, $"Runtime = {(package.Runtime == ImageRuntimes.VmNvidia ? "ImageRuntimes.VmNvidia" : CliJson.Quote(package.Runtime))},");
        return lines.Count == 0 ? head + ";" : head + "\n{\n    " + string.Join("\n    ", lines) + "\n};";
    }

    /// <summary>The Python code: yapapi's <c>vm.repo(...)</c> with a direct URL, and a comment for what yapapi cannot ask.</summary>
    public static string Python(ImagePackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        var head = $"package = await vm.repo(image_hash=\"{package.ImageHash}\", image_url={CliJson.Quote(package.ImageUrl.OriginalString)}";
        var lines = new List<string>();
        AddIf(lines, package.MinMemGib != ImagePackage.DefaultMinMemGib, $"min_mem_gib={PythonFloat.Format(package.MinMemGib)},");
        AddIf(lines, package.MinStorageGib != ImagePackage.DefaultMinStorageGib, $"min_storage_gib={PythonFloat.Format(package.MinStorageGib)},");
        AddIf(lines, package.MinCpuThreads != ImagePackage.DefaultMinCpuThreads, string.Create(CultureInfo.InvariantCulture, $"min_cpu_threads={package.MinCpuThreads},"));
        AddIf(lines, package.Capabilities.Count > 0, $"capabilities=[{string.Join(", ", package.Capabilities.Select(CliJson.Quote))}],");
        var text = new StringBuilder(lines.Count == 0 ? head + ")" : head + ",\n    " + string.Join("\n    ", lines) + "\n)");
        if (package.MinCpuCores is not null)
        {
            text.Append("\n# yapapi has no min_cpu_cores; the C# package adds (golem.inf.cpu.cores>=N) to the constraints.");
        }

        if (package.Runtime != ImageRuntimes.Vm)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n# vm.repo() always asks for the vm runtime; for {package.Runtime} use the demand's constraints (golem.runtime.name={package.Runtime}).");
        }

        return text.ToString();
    }

    /// <summary>The JavaScript code: golem-js's <c>demand.workload</c> with <c>imageHash</c>, <c>imageUrl</c> and the other requirements.</summary>
    public static string JavaScript(ImagePackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        var fields = new List<string> { $"imageHash: \"{package.ImageHash}\"", $"imageUrl: {CliJson.Quote(package.ImageUrl.OriginalString)}" };
        AddIf(fields, package.MinMemGib != ImagePackage.DefaultMinMemGib, $"minMemGib: {package.MinMemGib.ToString("R", CultureInfo.InvariantCulture)}");
        AddIf(fields, package.MinStorageGib != ImagePackage.DefaultMinStorageGib, $"minStorageGib: {package.MinStorageGib.ToString("R", CultureInfo.InvariantCulture)}");
        AddIf(fields, package.MinCpuThreads != ImagePackage.DefaultMinCpuThreads, string.Create(CultureInfo.InvariantCulture, $"minCpuThreads: {package.MinCpuThreads}"));
        AddIf(fields, package.MinCpuCores is not null, string.Create(CultureInfo.InvariantCulture, $"minCpuCores: {package.MinCpuCores}"));
        AddIf(fields, package.Capabilities.Count > 0, $"capabilities: [{string.Join(", ", package.Capabilities.Select(CliJson.Quote))}]");
        AddIf(fields, package.Runtime != ImageRuntimes.Vm, $"runtime: {{ name: {CliJson.Quote(package.Runtime)} }}");
        return $"demand: {{ workload: {{ {string.Join(", ", fields)} }} }},";
    }

    /// <summary>The snippets as <c>gvmi package</c> and <c>gvmi publish</c> print them, each under its label.</summary>
    public static string Labelled(ImagePackage package) =>
        "C# (Golem.VmImages):\n" + CSharp(package) + "\n\nPython (yapapi):\n" + Python(package) + "\n\nJavaScript (golem-js):\n" + JavaScript(package) + "\n";

    private static void AddIf(List<string> lines, bool condition, string line)
    {
        if (condition)
        {
            lines.Add(line);
        }
    }
}
