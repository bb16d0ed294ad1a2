using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Packages;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi package FILE --url URL [...]</c>: the publisher flow. Hashes the image and prints the hash, the task
/// package, the demand and ready-to-paste C# and Python snippets.
/// </summary>
internal static class PackageCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The .gvmi image to publish." };
        var url = new Option<string>("--url") { Description = "The absolute http or https URL the image will be served from.", Required = true };
        var minMem = new Option<double>("--min-mem-gib") { Description = "Minimum memory in GiB.", DefaultValueFactory = _ => ImagePackage.DefaultMinMemGib }.Positive();
        var minStorage = new Option<double>("--min-storage-gib") { Description = "Minimum storage in GiB.", DefaultValueFactory = _ => ImagePackage.DefaultMinStorageGib }.Positive();
        var minThreads = new Option<int>("--min-cpu-threads") { Description = "Minimum CPU threads.", DefaultValueFactory = _ => ImagePackage.DefaultMinCpuThreads }.Positive();
        var minCores = new Option<int?>("--min-cpu-cores") { Description = "Minimum CPU cores (adds golem.inf.cpu.cores; left out by default, like the Python SDK)." }.PositiveIfGiven();
        var runtime = new Option<string>("--runtime")
        {
            Description = "The runtime providers must run the image on: vm (default) or vm-nvidia for GPU providers (golem.runtime.name).",
            DefaultValueFactory = _ => ImageRuntimes.Vm,
            HelpName = "vm|vm-nvidia",
        };
        runtime.AcceptOnlyFromAmong(ImageRuntimes.Vm, ImageRuntimes.VmNvidia);
        var noValidate = new Option<bool>("--no-validate") { Description = "Package the file even when its .gvmi metadata trailer is missing or corrupt (with a warning)." };
        var progress = new ProgressOptions();
        var capability = new Option<string[]>("--capability")
        {
            Description = "A capability the provider must offer: vpn, inet, manifest-support, start-entrypoint, gpu or another name. Repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text." };

        var command = new Command("package", "Hash a .gvmi image and print its task package, demand (properties and constraints) and C#/Python snippets.")
        {
            file, url, minMem, minStorage, minThreads, minCores, capability, runtime, noValidate, json,
        };
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(file).FullName;
            if (!Uri.TryCreate(parseResult.GetRequiredValue(url), UriKind.Absolute, out var imageUrl))
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.NotAbsoluteUrl(parseResult.GetRequiredValue(url))).ConfigureAwait(false);
            }

            if (ImageFileInput.Problem(path) is { } problem)
            {
                await error.WriteLineAsync($"gvmi package: {TerminalText.Escape(path)}: {problem}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            try
            {
                await GvmiFile.ReadMetadataAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (GvmiFormatException ex)
            {
                if (!parseResult.GetValue(noValidate))
                {
                    await error.WriteLineAsync($"gvmi package: {TerminalText.Escape(ex.Message)} Refusing to package it; pass --no-validate to package it anyway.").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await error.WriteLineAsync($"gvmi package: warning: {TerminalText.Escape(ex.Message)} Packaging it anyway (--no-validate); providers will fail to start it.").ConfigureAwait(false);
            }

            ImagePackage package;
            try
            {
                var display = ProgressDisplay.Start(error, "hashing", new FileInfo(path).Length, progress.Read(parseResult), cancellationToken);
                await using (display.ConfigureAwait(false))
                {
                    package = await ImagePackage.FromFileAsync(path, imageUrl, display.ForFile(), cancellationToken).ConfigureAwait(false);
                }

                package = package with
                {
                    MinMemGib = parseResult.GetValue(minMem),
                    MinStorageGib = parseResult.GetValue(minStorage),
                    MinCpuThreads = parseResult.GetValue(minThreads),
                    MinCpuCores = parseResult.GetValue(minCores),
                    Capabilities = parseResult.GetValue(capability) ?? [],
                    Runtime = parseResult.GetRequiredValue(runtime),
                };
            }
            catch (ArgumentException ex)
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.Describe(ex)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"gvmi package: {TerminalText.Escape(path)}: {ErrorText.Describe(ex)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var text = parseResult.GetValue(json) ? FormatJson(package, path) : FormatText(package);
            await output.WriteAsync(text).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
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
        text.AppendLine("C# (Golem.VmImages):");
        text.Append(CSharpSnippet(package));
        text.AppendLine();
        text.AppendLine("Python (yapapi):");
        text.Append(PythonSnippet(package));
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

            writer.WriteString("csharp", CSharpSnippet(package));
            writer.WriteString("python", PythonSnippet(package));
            writer.WriteEndObject();
        }) + Environment.NewLine;
    }

    internal static string CSharpSnippet(ImagePackage package)
    {
        var lines = new List<string>();
        if (package.MinMemGib != ImagePackage.DefaultMinMemGib)
        {
            lines.Add($"    MinMemGib = {package.MinMemGib.ToString("R", CultureInfo.InvariantCulture)},");
        }

        if (package.MinStorageGib != ImagePackage.DefaultMinStorageGib)
        {
            lines.Add($"    MinStorageGib = {package.MinStorageGib.ToString("R", CultureInfo.InvariantCulture)},");
        }

        if (package.MinCpuThreads != ImagePackage.DefaultMinCpuThreads)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    MinCpuThreads = {package.MinCpuThreads},"));
        }

        if (package.MinCpuCores is { } cores)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    MinCpuCores = {cores},"));
        }

        if (package.Capabilities.Count > 0)
        {
            lines.Add($"    Capabilities = [{string.Join(", ", package.Capabilities.Select(CliJson.Quote))}],");
        }

        if (package.Runtime != ImageRuntimes.Vm)
        {
            lines.Add($"    Runtime = {(package.Runtime == ImageRuntimes.VmNvidia ? "ImageRuntimes.VmNvidia" : CliJson.Quote(package.Runtime))},");
        }

        var text = new StringBuilder();
        text.AppendLine("var package = new ImagePackage(");
        text.AppendLine(CultureInfo.InvariantCulture, $"    ImageHash.Parse(\"{package.ImageHash}\"),");
        text.Append(CultureInfo.InvariantCulture, $"    new Uri({CliJson.Quote(package.ImageUrl.OriginalString)}))");
        if (lines.Count == 0)
        {
            text.AppendLine(";");
        }
        else
        {
            text.AppendLine();
            text.AppendLine("{");
            foreach (var line in lines)
            {
                text.AppendLine(line);
            }

            text.AppendLine("};");
        }

        return text.ToString();
    }

    internal static string PythonSnippet(ImagePackage package)
    {
        var text = new StringBuilder();
        text.AppendLine("package = await vm.repo(");
        text.AppendLine(CultureInfo.InvariantCulture, $"    image_hash=\"{package.ImageHash}\",");
        text.AppendLine(CultureInfo.InvariantCulture, $"    image_url={CliJson.Quote(package.ImageUrl.OriginalString)},");
        text.AppendLine(CultureInfo.InvariantCulture, $"    min_mem_gib={PythonFloat.Format(package.MinMemGib)},");
        text.AppendLine(CultureInfo.InvariantCulture, $"    min_storage_gib={PythonFloat.Format(package.MinStorageGib)},");
        text.AppendLine(CultureInfo.InvariantCulture, $"    min_cpu_threads={package.MinCpuThreads},");
        if (package.Capabilities.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    capabilities=[{string.Join(", ", package.Capabilities.Select(CliJson.Quote))}],");
        }

        text.AppendLine(")");
        if (package.MinCpuCores is not null)
        {
            text.AppendLine("# yapapi has no min_cpu_cores; the C# package adds (golem.inf.cpu.cores>=N) to the constraints.");
        }

        if (package.Runtime != ImageRuntimes.Vm)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"# vm.repo() always asks for the vm runtime; for {package.Runtime} use the demand's constraints above (golem.runtime.name={package.Runtime}).");
        }

        return text.ToString();
    }
}
