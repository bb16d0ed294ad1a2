using System.CommandLine;
using System.Globalization;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Gvmi;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi wrap SQUASHFS -o OUT.gvmi [--entrypoint ...] [--cmd ...] [--env K=V]... [--workdir DIR] [--volume DIR]...</c>:
/// builds a .gvmi from a squashfs image, as gvmkit-build's last step does, and prints its image hash; <see cref="WrapAction"/> runs it.
/// </summary>
internal sealed class WrapCommand : Command
{
    public WrapCommand()
        : base("wrap", "Build a .gvmi from a squashfs image and a container config (gvmkit-build's last step) and print its image hash.")
    {
        Arguments.Add(Squashfs);
        foreach (var option in (Option[])[Output, Entrypoint, Cmd, Env, Workdir, Volume])
        {
            Options.Add(option);
        }

        Action = new WrapAction(this);
    }

    public Argument<FileInfo> Squashfs { get; } = new("SQUASHFS") { Description = "A squashfs image made with `mksquashfs DIR OUT -comp lzo -noappend`." };

    public Option<FileInfo> Output { get; } = new("--output", "-o") { Description = "The .gvmi file to write.", Required = true };

    public Option<string[]> Entrypoint { get; } = new("--entrypoint") { Description = "The entrypoint; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string[]> Cmd { get; } = new("--cmd") { Description = "The default command; repeat for each argument.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string[]> Env { get; } = new("--env") { Description = "An environment entry NAME=value; repeat for several.", Arity = ArgumentArity.ZeroOrMore };

    public Option<string> Workdir { get; } = new("--workdir") { Description = "The working directory." };

    public Option<string[]> Volume { get; } = new("--volume") { Description = "A volume path; repeat for several.", Arity = ArgumentArity.ZeroOrMore };

    public static Command Create() => new WrapCommand();

    /// <summary>The container config the command line describes.</summary>
    public GvmiContainerConfig ReadConfig(ParseResult parseResult) => new()
    {
        Entrypoint = NullIfEmpty(parseResult.GetValue(Entrypoint)),
        Cmd = NullIfEmpty(parseResult.GetValue(Cmd)),
        Env = parseResult.GetValue(Env) ?? [],
        WorkingDir = parseResult.GetValue(Workdir),
        Volumes = parseResult.GetValue(Volume) ?? [],
    };

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>Runs <c>gvmi wrap</c>: refuses an existing output, wraps, prints the hash.</summary>
    private sealed class WrapAction(WrapCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var output = parseResult.GetRequiredValue(command.Output);
            var squashfs = parseResult.GetRequiredValue(command.Squashfs);
            OutputFile.RefuseExisting("--output", output.ToString(), force: null);
            ImageFileInput.Require(squashfs.ToString());
            GvmiWriteResult result;
            try
            {
                result = await GvmiFile.CreateAsync(squashfs.FullName, command.ReadConfig(parseResult), output.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && DiskException.For(output.ToString(), ex) is { } disk)
            {
                throw disk;
            }

            await Output(parseResult).WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.ImageHash}  {output.Name} ({result.FileLength} bytes)")).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }
}
