using System.CommandLine;
using Golem.VmImages.Building;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Oci;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Runs <c>gvmi build</c>: refuses an existing output, builds beside it, prints the hash and the next step.</summary>
internal sealed class BuildAction(BuildCommand command) : GvmiAction
{
    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var output = parseResult.GetRequiredValue(command.Output);
        var options = command.ReadOptions(parseResult);
        var source = parseResult.GetRequiredValue(command.Source);
        OutputFile.RefuseExisting("--output", output.ToString(), options.Overwrite);
        var pull = ReadSource(source, options);
        OutputFile.RequireWritableDirectory(output.ToString());

        var result = await BuildWithProgressAsync(parseResult, pull, source, output, options, cancellationToken).ConfigureAwait(false);
        var text = Output(parseResult);
        var json = parseResult.GetValue(command.Registry.Json);
        await BuildRegistrySource.WriteResultAsync(text, pull, result, output, json).ConfigureAwait(false);
        if (!json)
        {
            await text.WriteLineAsync($"Next: gvmi package {ShellWord.Quote(output.Name)} --url https://YOUR-HOST/{Uri.EscapeDataString(output.Name)}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>The image to pull when SOURCE names one, or null for a local source, which must exist and be a file or directory.</summary>
    private static ImageReference? ReadSource(string source, GvmiBuildOptions options)
    {
        if (BuildRegistrySource.Detect(source, options.SourceFormat == GvmiSourceFormat.RootFileSystem) is { } pull)
        {
            return pull;
        }

        if (!Path.Exists(source))
        {
            throw new FileNotFoundException(null, source);
        }

        return ImageFileInput.SpecialFileProblem(source, allowDirectory: true) is { } problem
            ? throw new InputException($"{source}: {problem}")
            : null;
    }

    /// <summary>Builds under one progress line: for a pull, the layers' download first, then the build's passes.</summary>
    private async Task<GvmiBuildResult> BuildWithProgressAsync(
        ParseResult parseResult, ImageReference? pull, string source, FileInfo output, GvmiBuildOptions options, CancellationToken cancellationToken)
    {
        var settings = command.Progress.Read(parseResult);
        var display = new BuildProgressDisplay(Error(parseResult), "building " + output.Name, settings, cancellationToken);
        await using (display.ConfigureAwait(false))
        {
            options.Progress = display;
            if (pull is null)
            {
                return await BuildAsync(null, source, output, options, settings.Time, cancellationToken).ConfigureAwait(false);
            }

            options.Registry = command.Registry.Read(parseResult);
            options.Registry.Progress = display;
            using var http = HttpClients.ForPull(options.Registry);
            options.Registry.HttpClient = http;
            return await BuildAsync(pull, source, output, options, settings.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Builds; a full or unwritable output volume is reported with the user's path, and a tool killed by the same Ctrl-C as gvmi is "interrupted".</summary>
    private static async Task<GvmiBuildResult> BuildAsync(
        ImageReference? pull, string source, FileInfo output, GvmiBuildOptions options, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            return pull is not null
                ? await GvmiBuilder.BuildAsync(pull, output.FullName, options, cancellationToken).ConfigureAwait(false)
                : await GvmiBuilder.BuildAsync(source, output.FullName, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && DiskException.For(output.ToString(), ex) is { } disk)
        {
            throw disk;
        }
        catch (ImageBuildException)
        {
            // Ctrl-C in a terminal signals the whole process group: the squashfs tool may die of it a moment before
            // gvmi hears of it. Then "interrupted" is the one line, not the tool's exit code.
            await ChildInterrupt.WaitAsync(timeProvider, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }
}
