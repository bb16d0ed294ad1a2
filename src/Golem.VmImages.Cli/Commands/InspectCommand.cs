using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi inspect FILE.gvmi [--json]</c>: the metadata trailer (container config, CRC, sizes) of a .gvmi image; <see cref="InspectAction"/> runs it.</summary>
internal sealed class InspectCommand : Command
{
    public InspectCommand()
        : base("inspect", "Show the metadata of a .gvmi image (entrypoint, cmd, env, volumes, ...), its CRC check and sizes; a corrupt trailer is an error.")
    {
        Arguments.Add(Image);
        Options.Add(Json);
        Action = new InspectAction(this);
    }

    public Argument<FileInfo> Image { get; } = new("FILE") { Description = "The .gvmi image to inspect." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text." };

    public static Command Create() => new InspectCommand();

    /// <summary>Runs <c>gvmi inspect</c>.</summary>
    private sealed class InspectAction(InspectCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var file = parseResult.GetRequiredValue(command.Image);
            var metadata = await ImageFileInput.ReadMetadataAsync(file.ToString(), cancellationToken).ConfigureAwait(false);
            var text = parseResult.GetValue(command.Json) ? FormatJson(file.FullName, metadata) : FormatText(file.FullName, metadata);
            await Output(parseResult).WriteAsync(text).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static string FormatText(string path, GvmiMetadata metadata)
    {
        var config = metadata.Config;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"File:         {TerminalText.Escape(path)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Size:         {metadata.FileLength} bytes (squashfs {metadata.SquashfsLength}, metadata trailer {metadata.TrailerLength})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Squashfs:     {(metadata.HasSquashfsMagic ? "starts with the squashfs magic 'hsqs'" : "WARNING: does not start with the squashfs magic 'hsqs'")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Metadata CRC: 0x{metadata.Crc32:x8} (OK)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Entrypoint:   {List(config.Entrypoint)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Cmd:          {List(config.Cmd)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"WorkingDir:   {Show(config.WorkingDir)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"User:         {Show(config.User)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Image:        {Show(config.Image)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Volumes:      {List(config.Volumes)}");
        text.AppendLine("Env:");
        foreach (var entry in config.Env)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {TerminalText.Escape(entry)}");
        }

        text.AppendLine("Labels:");
        foreach (var (key, value) in config.Labels)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {TerminalText.Escape(key)} = {TerminalText.Escape(value)}");
        }

        return text.ToString();
    }

    /// <summary>A config value as the text output shows it: control characters escaped so an image cannot drive the terminal.</summary>
    private static string Show(string? value) => value is null ? "(none)" : TerminalText.Escape(value);

    private static string List(IReadOnlyList<string>? values) =>
        values is null ? "(none)" : "[" + string.Join(", ", values.Select(v => TerminalText.Escape(CliJson.Quote(v)))) + "]";

    private static string FormatJson(string path, GvmiMetadata metadata)
    {
        return CliJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("file", path);
            writer.WriteNumber("fileLength", metadata.FileLength);
            writer.WriteNumber("squashfsLength", metadata.SquashfsLength);
            writer.WriteNumber("trailerLength", metadata.TrailerLength);
            writer.WriteBoolean("hasSquashfsMagic", metadata.HasSquashfsMagic);
            writer.WriteString("crc32", metadata.Crc32.ToString("x8", CultureInfo.InvariantCulture));
            writer.WriteBoolean("crcOk", true);
            writer.WritePropertyName("config");
            using (var configJson = JsonDocument.Parse(metadata.ConfigJson))
            {
                configJson.WriteTo(writer);
            }

            writer.WriteEndObject();
        }) + Environment.NewLine;
    }
}
