using System.Text.Json.Serialization;

namespace Golem.VmImages.Registry.Push;

/// <summary>Source-generated JSON for the push requests (trimming- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RegistryPushClient.LoginBody))]
internal sealed partial class RegistryPushJsonContext : JsonSerializerContext
{
}
