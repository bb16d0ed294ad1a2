using System.Text.Json.Serialization;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Source-generated JSON metadata for the few values the commands serialize directly.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
