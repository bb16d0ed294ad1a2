using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Golem.VmImages.Packages;

/// <summary>
/// Writes the library's JSON (<c>ToJson()</c>) indented and readable: only what JSON requires is escaped, so URLs with
/// <c>&amp;</c>, <c>&lt;</c> or <c>&gt;</c> and non-ASCII text appear as written, as the <c>gvmi</c> tool prints them.
/// </summary>
internal static class GolemJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
