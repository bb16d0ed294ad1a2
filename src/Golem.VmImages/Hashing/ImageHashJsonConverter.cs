using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Golem.VmImages;

/// <summary>Reads and writes an <see cref="ImageHash"/> as a JSON string of 56 lowercase hexadecimal characters.</summary>
/// <remarks>Also used for dictionary keys. A default <see cref="ImageHash"/> cannot be written.</remarks>
public sealed class ImageHashJsonConverter : JsonConverter<ImageHash>
{
    /// <inheritdoc/>
    public override ImageHash Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException(ErrorMessages.ImageHashJsonToken(reader.TokenType.ToString()));
        }

        return ParseString(ref reader);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ImageHash value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Format(value, stackalloc byte[ImageHash.HexLength]));
    }

    /// <inheritdoc/>
    public override ImageHash ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ParseString(ref reader);

    /// <inheritdoc/>
    public override void WriteAsPropertyName(Utf8JsonWriter writer, ImageHash value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(Format(value, stackalloc byte[ImageHash.HexLength]));
    }

    private static ReadOnlySpan<byte> Format(ImageHash value, Span<byte> buffer)
    {
        _ = value.AsSpan(); // a default ImageHash has no digest to write: this throws
        value.TryFormat(buffer, out var written, provider: CultureInfo.InvariantCulture);
        return buffer[..written];
    }

    private static ImageHash ParseString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.ValueIsEscaped || reader.HasValueSequence
                ? ImageHash.Parse(reader.GetString()!)
                : ImageHash.Parse(reader.ValueSpan);
        }
        catch (FormatException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }
}
