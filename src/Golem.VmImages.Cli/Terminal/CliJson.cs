using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Golem.VmImages.Cli;

/// <summary>
/// The one way <c>gvmi</c> writes JSON for people and scripts: indented, with readable escaping (only what JSON
/// requires is escaped, so URLs, file names and non-ASCII text print as written).
/// </summary>
internal static class CliJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one JSON document with <paramref name="write"/> and returns it as text (no trailing newline).</summary>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Quotes <paramref name="value"/> as a JSON string; with this escaping it is also a valid C# and Python string
    /// literal, which is what the snippets use it for.
    /// </summary>
    public static string Quote(string value) => Write(writer => writer.WriteStringValue(value));
}
