using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi wrap SQUASHFS -o OUT.gvmi [--entrypoint ...] [--cmd ...] [--env K=V]... [--workdir DIR] [--volume DIR]...</c>:
/// builds a .gvmi from a squashfs image, as gvmkit-build's last step does, and prints its image hash.
/// </summary>
internal static class WrapCommand
{
    public static Command Create()
    {
        var squashfs = new Argument<FileInfo>("SQUASHFS") { Description = "A squashfs image made with `mksquashfs DIR OUT -comp lzo -noappend`." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The .gvmi file to write.", Required = true };
        var entrypoint = new Option<string[]>("--entrypoint") { Description = "The entrypoint; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Option<string[]>("--cmd") { Description = "The default command; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };
        var env = new Option<string[]>("--env") { Description = "An environment entry NAME=value; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var workdir = new Option<string>("--workdir") { Description = "The working directory." };
        var volume = new Option<string[]>("--volume") { Description = "A volume path; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("wrap", "Build a .gvmi from a squashfs image and a container config (gvmkit-build's last step) and print its image hash.")
        {
            squashfs, output, entrypoint, cmd, env, workdir, volume,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var config = new GvmiContainerConfig
            {
                Entrypoint = NullIfEmpty(parseResult.GetValue(entrypoint)),
                Cmd = NullIfEmpty(parseResult.GetValue(cmd)),
                Env = parseResult.GetValue(env) ?? [],
                WorkingDir = parseResult.GetValue(workdir),
                Volumes = parseResult.GetValue(volume) ?? [],
            };
            var outputPath = parseResult.GetRequiredValue(output).FullName;
            if (await ImageFileInput.RefuseSpecialFileAsync(parseResult.InvocationConfiguration.Error, "wrap", parseResult.GetRequiredValue(squashfs).FullName).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            if (Path.Exists(outputPath))
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync("gvmi wrap: " + ErrorText.OutputExists("--output", outputPath)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            try
            {
                var result = await GvmiFile.CreateAsync(parseResult.GetRequiredValue(squashfs).FullName, config, outputPath, cancellationToken).ConfigureAwait(false);
                await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                    string.Create(CultureInfo.InvariantCulture, $"{result.ImageHash}  {parseResult.GetRequiredValue(output).Name} ({result.FileLength} bytes)")).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"gvmi wrap: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
