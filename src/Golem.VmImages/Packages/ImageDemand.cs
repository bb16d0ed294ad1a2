using System.Text.Json.Serialization;
using Golem.VmImages.Packages;

namespace Golem.VmImages;

/// <summary>
/// The demand a requestor publishes for an <see cref="ImagePackage"/>: two properties and the constraints string,
/// exactly as the Python SDK (<c>yapapi</c>) builds them.
/// </summary>
/// <param name="TaskPackage">The value of <c>golem.srv.comp.task_package</c>: <c>hash:sha3:&lt;hex&gt;:&lt;url&gt;</c>.</param>
/// <param name="PackageFormat">The value of <c>golem.srv.comp.vm.package_format</c>: <c>gvmkit-squash</c>.</param>
/// <param name="Constraints">The constraints string, such as <c>(&amp;(golem.inf.mem.gib&gt;=0.5)\n\t...(golem.runtime.name=vm))</c>.</param>
public sealed record ImageDemand(
    [property: JsonPropertyName("taskPackage")] string TaskPackage,
    [property: JsonPropertyName("packageFormat")] string PackageFormat,
    [property: JsonPropertyName("constraints")] string Constraints)
{
    /// <summary>Gets the demand properties keyed by their Golem names, task package first.</summary>
    [JsonPropertyName("properties")]
    public IReadOnlyDictionary<string, string> Properties => new Dictionary<string, string>(2, StringComparer.Ordinal)
    {
        [Golem.VmImages.TaskPackage.PropertyName] = TaskPackage,
        [ImagePackage.PackageFormatPropertyName] = PackageFormat,
    };

    /// <summary>
    /// Serializes the demand to JSON: <c>taskPackage</c>, <c>packageFormat</c> and <c>constraints</c> as plain strings,
    /// and <c>properties</c> as an object keyed by the Golem property names.
    /// </summary>
    /// <returns>A JSON object.</returns>
    public string ToJson() => GolemJson.Serialize(this, GolemJsonContext.Default.ImageDemand);
}
