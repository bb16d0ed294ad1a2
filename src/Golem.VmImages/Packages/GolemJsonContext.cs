using System.Text.Json.Serialization;

namespace Golem.VmImages.Packages;

/// <summary>Source-generated JSON metadata, so serialization works trimmed and ahead-of-time compiled.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ImagePackage))]
[JsonSerializable(typeof(ImageDemand))]
internal sealed partial class GolemJsonContext : JsonSerializerContext
{
}
