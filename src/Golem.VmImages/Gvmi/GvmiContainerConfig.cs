using System.Text.Json;

namespace Golem.VmImages.Gvmi;

/// <summary>
/// The container configuration stored in a .gvmi metadata trailer: the Docker container config with PascalCase
/// keys, as gvmkit-build writes it. The VM runtime uses <see cref="Entrypoint"/>, <see cref="Cmd"/>,
/// <see cref="Env"/>, <see cref="WorkingDir"/> and <see cref="Volumes"/>.
/// </summary>
public sealed record GvmiContainerConfig
{
    private readonly IReadOnlyList<string> _env = [];
    private readonly IReadOnlyList<string> _volumes = [];
    private readonly IReadOnlyList<string>? _cmd;
    private readonly IReadOnlyList<string>? _entrypoint;
    private readonly IReadOnlyDictionary<string, string> _labels = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the environment as <c>NAME=value</c> entries (<c>Env</c>).</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Env
    {
        get => _env;
        init => _env = [.. value ?? throw new ArgumentNullException(nameof(value))];
    }

    /// <summary>Gets the default command (<c>Cmd</c>), or <see langword="null"/> for none; the list given is copied.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IReadOnlyList<string>? Cmd
    {
        get => _cmd;
        init => _cmd = value is null ? null : [.. value];
    }

    /// <summary>Gets the entrypoint (<c>Entrypoint</c>), or <see langword="null"/> for none; the list given is copied.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IReadOnlyList<string>? Entrypoint
    {
        get => _entrypoint;
        init => _entrypoint = value is null ? null : [.. value];
    }

    /// <summary>Gets the working directory (<c>WorkingDir</c>), or <see langword="null"/>.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>Gets the paths of the volumes (the keys of <c>Volumes</c>), in the order written.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Volumes
    {
        get => _volumes;
        init => _volumes = [.. value ?? throw new ArgumentNullException(nameof(value))];
    }

    /// <summary>Gets the image labels (<c>Labels</c>).</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyDictionary<string, string> Labels
    {
        get => _labels;
        init => _labels = new Dictionary<string, string>(value ?? throw new ArgumentNullException(nameof(value)), StringComparer.Ordinal);
    }

    /// <summary>Gets the user (<c>User</c>), or <see langword="null"/>; gvmkit-build leaves it out.</summary>
    public string? User { get; init; }

    /// <summary>Gets the Docker image the .gvmi was built from (<c>Image</c>; gvmkit-build and <c>gvmi build</c> write the bare 64-hex image ID), or <see langword="null"/>.</summary>
    public string? Image { get; init; }

    /// <summary>Gets the host name (<c>Hostname</c>), or <see langword="null"/>.</summary>
    public string? Hostname { get; init; }

    /// <inheritdoc/>
    public bool Equals(GvmiContainerConfig? other) =>
        other is not null
        && Env.SequenceEqual(other.Env, StringComparer.Ordinal)
        && SequenceEqualOrBothNull(Cmd, other.Cmd)
        && SequenceEqualOrBothNull(Entrypoint, other.Entrypoint)
        && string.Equals(WorkingDir, other.WorkingDir, StringComparison.Ordinal)
        && Volumes.SequenceEqual(other.Volumes, StringComparer.Ordinal)
        && Labels.Count == other.Labels.Count
        && Labels.All(pair => other.Labels.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal))
        && string.Equals(User, other.User, StringComparison.Ordinal)
        && string.Equals(Image, other.Image, StringComparison.Ordinal)
        && string.Equals(Hostname, other.Hostname, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Env.Count, Cmd?.Count, Entrypoint?.Count, WorkingDir, Volumes.Count, Labels.Count, Image);

    /// <summary>Writes the config as gvmkit-build does: compact JSON with Docker's PascalCase keys, absent values left out.</summary>
    /// <returns>The UTF-8 JSON.</returns>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteString(writer, "Hostname", Hostname);
            WriteString(writer, "User", User);
            if (Env.Count > 0)
            {
                WriteArray(writer, "Env", Env);
            }

            WriteArray(writer, "Cmd", Cmd);
            WriteString(writer, "Image", Image);
            if (Volumes.Count > 0)
            {
                writer.WriteStartObject(nameof(Volumes));
                foreach (var volume in Volumes)
                {
                    writer.WriteStartObject(volume);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            WriteString(writer, "WorkingDir", WorkingDir);
            WriteArray(writer, "Entrypoint", Entrypoint);
            if (Labels.Count > 0)
            {
                writer.WriteStartObject(nameof(Labels));
                foreach (var (key, value) in Labels)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a container config from its JSON (unknown members are ignored; only white space may follow the object).</summary>
    /// <param name="utf8Json">The UTF-8 JSON object.</param>
    /// <returns>The config.</returns>
    /// <exception cref="JsonException">The JSON is invalid, not an object, followed by more data, a known member has the wrong type, or a string holds an unpaired surrogate escape.</exception>
    public static GvmiContainerConfig Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        using var document = JsonDocument.ParseValue(ref reader);

        // Reading past the object is the trailing-data check: with the default options the reader allows a single
        // top-level value, so anything but white space after it throws a JsonException here.
        _ = reader.Read();

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException(ErrorMessages.GvmiConfigMember("(root)", Kind(root), "an object"));
        }

        try
        {
            return new GvmiContainerConfig
            {
                Env = StringArray(root, "Env") ?? [],
                Cmd = StringArray(root, "Cmd"),
                Entrypoint = StringArray(root, "Entrypoint"),
                WorkingDir = String(root, "WorkingDir"),
                Volumes = ObjectKeys(root, "Volumes"),
                Labels = StringMap(root, "Labels"),
                User = String(root, "User"),
                Image = String(root, "Image"),
                Hostname = String(root, "Hostname"),
            };
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement throws this when a string or name holds an escaped lone surrogate ("\ud800"): valid JSON
            // syntax, but no text.
            throw new JsonException(ErrorMessages.GvmiConfigNotText, ex);
        }
    }

    private static bool SequenceEqualOrBothNull(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static bool TryGet(JsonElement root, string name, out JsonElement element) =>
        root.TryGetProperty(name, out element) && element.ValueKind != JsonValueKind.Null;

    private static string? String(JsonElement root, string name)
    {
        if (!TryGet(root, name, out var element))
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : throw new JsonException(ErrorMessages.GvmiConfigMember(name, Kind(element), "a string"));
    }

    private static string[]? StringArray(JsonElement root, string name)
    {
        if (!TryGet(root, name, out var element))
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            // Docker accepts a single string for Cmd and Entrypoint in some places; keep it as one entry.
            return [element.GetString()!];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException(ErrorMessages.GvmiConfigMember(name, Kind(element), "an array of strings"));
        }

        var result = new string[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            result[i++] = item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new JsonException(ErrorMessages.GvmiConfigMember(name + "[" + (i - 1) + "]", Kind(item), "a string"));
        }

        return result;
    }

    private static string[] ObjectKeys(JsonElement root, string name)
    {
        if (!TryGet(root, name, out var element))
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException(ErrorMessages.GvmiConfigMember(name, Kind(element), "an object keyed by path"));
        }

        return [.. element.EnumerateObject().Select(p => p.Name)];
    }

    private static Dictionary<string, string> StringMap(JsonElement root, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!TryGet(root, name, out var element))
        {
            return result;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException(ErrorMessages.GvmiConfigMember(name, Kind(element), "an object of strings"));
        }

        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new JsonException(ErrorMessages.GvmiConfigMember(name + "." + property.Name, Kind(property.Value), "a string"));
        }

        return result;
    }
}
