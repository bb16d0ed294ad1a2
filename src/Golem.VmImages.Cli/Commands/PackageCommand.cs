using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Cli.Snippets;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi package FILE --url URL [...]</c>: the publisher flow. Hashes the image and prints the hash, the task
/// package, the demand and ready-to-paste C#, Python and JavaScript snippets; <see cref="PackageAction"/> runs it.
/// </summary>
internal sealed class PackageCommand : Command
{
    public PackageCommand()
        : base("package", "Hash a .gvmi image and print its task package, demand (properties and constraints) and C#/Python/JavaScript snippets.")
    {
        Runtime.AcceptOnlyFromAmong(ImageRuntimes.Vm, ImageRuntimes.VmNvidia);
        Arguments.Add(Image);
        foreach (var option in (Option[])[Url, MinMem, MinStorage, MinThreads, MinCores, Capability, Runtime, NoValidate, Json])
        {
            Options.Add(option);
        }

        Progress.AddTo(this);
        Action = new PackageAction(this);
    }

    public Argument<FileInfo> Image { get; } = new("FILE") { Description = "The .gvmi image to publish." };

    public Option<string> Url { get; } = new("--url") { Description = "The absolute http or https URL the image will be served from.", Required = true };

    public Option<double> MinMem { get; } = new Option<double>("--min-mem-gib") { Description = "Minimum memory in GiB.", DefaultValueFactory = _ => ImagePackage.DefaultMinMemGib }.Positive();

    public Option<double> MinStorage { get; } = new Option<double>("--min-storage-gib") { Description = "Minimum storage in GiB.", DefaultValueFactory = _ => ImagePackage.DefaultMinStorageGib }.Positive();

    public Option<int> MinThreads { get; } = new Option<int>("--min-cpu-threads") { Description = "Minimum CPU threads.", DefaultValueFactory = _ => ImagePackage.DefaultMinCpuThreads }.Positive();

    public Option<int?> MinCores { get; } = new Option<int?>("--min-cpu-cores") { Description = "Minimum CPU cores (adds golem.inf.cpu.cores; left out by default, like the Python SDK)." }.PositiveIfGiven();

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "The runtime providers must run the image on: vm (default) or vm-nvidia for GPU providers (golem.runtime.name).",
        DefaultValueFactory = _ => ImageRuntimes.Vm,
        HelpName = "vm|vm-nvidia",
    };

    public Option<bool> NoValidate { get; } = new("--no-validate") { Description = "Package the file even when its .gvmi metadata trailer is missing or corrupt (with a warning)." };

    public Option<string[]> Capability { get; } = new("--capability")
    {
        Description = "A capability the provider must offer: vpn, inet, manifest-support, start-entrypoint, gpu or another name. Repeat for several.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text." };

    public ProgressOptions Progress { get; } = new();

    public static Command Create() => new PackageCommand();

    /// <summary>The --url value, refused unless it is an absolute http or https URL (exit code 2).</summary>
    public Uri ReadUrl(ParseResult parseResult)
    {
        var text = parseResult.GetRequiredValue(Url);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            throw new UsageException(ErrorText.NotAbsoluteUrl(text));
        }

        return url.Scheme is "http" or "https" ? url : throw new UsageException(ErrorText.NotHttpUrl("--url", text));
    }

    /// <summary><paramref name="package"/> with the requirements the command line asks for.</summary>
    public ImagePackage WithRequirements(ImagePackage package, ParseResult parseResult) => package with
    {
        MinMemGib = parseResult.GetValue(MinMem),
        MinStorageGib = parseResult.GetValue(MinStorage),
        MinCpuThreads = parseResult.GetValue(MinThreads),
        MinCpuCores = parseResult.GetValue(MinCores),
        Capabilities = parseResult.GetValue(Capability) ?? [],
        Runtime = parseResult.GetRequiredValue(Runtime),
    };

    /// <summary>Runs <c>gvmi package</c>: checks the image, hashes it with progress, prints the package.</summary>
    private sealed class PackageAction(PackageCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var file = parseResult.GetRequiredValue(command.Image);
            var url = command.ReadUrl(parseResult);
            try
            {
                await ImageFileInput.ReadMetadataAsync(file.ToString(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is GvmiFormatException or InputException && parseResult.GetValue(command.NoValidate) && ImageFileInput.Problem(file.FullName) is null)
            {
                await Error(parseResult).WriteLineAsync(Note(parseResult, $"warning: {ex.Message} Packaging it anyway (--no-validate); providers will fail to start it.")).ConfigureAwait(false);
            }
            catch (GvmiFormatException ex)
            {
                throw new InputException($"{ex.Message} Refusing to package it; pass --no-validate to package it anyway.", ex);
            }

            ImagePackage package;
            var display = ProgressDisplay.Start(Error(parseResult), "hashing", file.Length, command.Progress.Read(parseResult), cancellationToken);
            await using (display.ConfigureAwait(false))
            {
                package = command.WithRequirements(await ImagePackage.FromFileAsync(file.FullName, url, display.ForFile(), cancellationToken).ConfigureAwait(false), parseResult);
            }

            await Output(parseResult).WriteAsync(parseResult.GetValue(command.Json) ? FormatJson(package, file.FullName) : FormatText(package)).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static string FormatText(ImagePackage package)
    {
        var demand = package.ToDemand();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Image hash:   {package.ImageHash}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Task package: {demand.TaskPackage}");
        text.AppendLine();
        text.AppendLine("Demand properties:");
        foreach (var (key, value) in demand.Properties)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {key} = {value}");
        }

        text.AppendLine();
        text.AppendLine("Demand constraints:");
        text.AppendLine(demand.Constraints);
        text.AppendLine();
        text.Append(ImageSnippets.Labelled(package));
        return text.ToString();
    }

    private static string FormatJson(ImagePackage package, string path)
    {
        var demand = package.ToDemand();
        return CliJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("file", path);
            writer.WriteString("imageHash", package.ImageHash.ToString());
            writer.WriteString("taskPackage", demand.TaskPackage);
            writer.WriteString("packageFormat", demand.PackageFormat);
            writer.WriteString("constraints", demand.Constraints);
            writer.WriteStartObject("properties");
            foreach (var (key, value) in demand.Properties)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WritePropertyName("package");
            using (var packageJson = JsonDocument.Parse(package.ToJson()))
            {
                packageJson.WriteTo(writer);
            }

            writer.WriteString("csharp", ImageSnippets.CSharp(package));
            writer.WriteString("python", ImageSnippets.Python(package));
            writer.WriteString("javascript", ImageSnippets.JavaScript(package));
            writer.WriteEndObject();
        }) + Environment.NewLine;
    }
}
