using System.Text.Json;
using System.Text.Json.Serialization;

namespace Golem.VmImages.Packages;

/// <summary>
/// Reads and writes an <see cref="ImagePackage"/> with stable property names; a missing requirement keeps the
/// <c>vm.repo()</c> default, and every value goes through the package's validation.
/// </summary>
internal sealed class ImagePackageJsonConverter : JsonConverter<ImagePackage>
{
    public override ImagePackage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException(ErrorMessages.ImagePackageJsonToken(reader.TokenType.ToString()));
        }

        ImageHash? hash = null;
        string? url = null;
        var allowFile = false;
        double? mem = null;
        double? storage = null;
        int? threads = null;
        int? cores = null;
        List<string>? capabilities = null;
        string? runtime = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "imageHash":
                    hash = JsonSerializer.Deserialize(ref reader, GolemJsonContext.Default.ImageHash);
                    break;
                case "imageUrl":
                    url = reader.GetString();
                    break;
                case "allowFileUrl":
                    allowFile = reader.GetBoolean();
                    break;
                case "minMemGib":
                    mem = reader.GetDouble();
                    break;
                case "minStorageGib":
                    storage = reader.GetDouble();
                    break;
                case "minCpuThreads":
                    threads = reader.GetInt32();
                    break;
                case "minCpuCores":
                    cores = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32();
                    break;
                case "runtime":
                    runtime = reader.GetString();
                    break;
                case "capabilities":
                    capabilities = JsonSerializer.Deserialize(ref reader, GolemJsonContext.Default.ListString);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (hash is not { } imageHash)
        {
            throw new JsonException(ErrorMessages.ImagePackageJsonMissing("imageHash"));
        }

        if (url is null)
        {
            throw new JsonException(ErrorMessages.ImagePackageJsonMissing("imageUrl"));
        }

        if (!Uri.TryCreate(url, UriKind.RelativeOrAbsolute, out var imageUrl))
        {
            throw new JsonException(ErrorMessages.ImagePackageJsonUrl(url));
        }

        return new ImagePackage(imageHash, imageUrl, allowFile)
        {
            MinMemGib = mem ?? ImagePackage.DefaultMinMemGib,
            MinStorageGib = storage ?? ImagePackage.DefaultMinStorageGib,
            MinCpuThreads = threads ?? ImagePackage.DefaultMinCpuThreads,
            MinCpuCores = cores,
            Capabilities = capabilities ?? [],
            Runtime = runtime ?? ImageRuntimes.Vm,
        };
    }

    public override void Write(Utf8JsonWriter writer, ImagePackage value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("imageHash", value.ImageHash.ToString());
        writer.WriteString("imageUrl", value.ImageUrl.OriginalString);
        if (value.AllowFileUrl)
        {
            writer.WriteBoolean("allowFileUrl", true);
        }

        writer.WriteNumber("minMemGib", value.MinMemGib);
        writer.WriteNumber("minStorageGib", value.MinStorageGib);
        writer.WriteNumber("minCpuThreads", value.MinCpuThreads);
        if (value.MinCpuCores is { } cores)
        {
            writer.WriteNumber("minCpuCores", cores);
        }

        writer.WriteStartArray("capabilities");
        foreach (var capability in value.Capabilities)
        {
            writer.WriteStringValue(capability);
        }

        writer.WriteEndArray();
        writer.WriteString("runtime", value.Runtime);
        writer.WriteEndObject();
    }
}
