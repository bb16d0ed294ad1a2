using System.CommandLine;
using Golem.VmImages.Cli.Checksums;
using Golem.VmImages.Cli.Invocation;

namespace Golem.VmImages.Cli.Commands;

/// <summary>Runs <c>gvmi hash</c>: hashes the files, or with <c>-c</c> checks the sums they list.</summary>
internal sealed class HashAction(HashCommand command) : GvmiAction
{
    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var names = command.ReadFiles(parseResult);
        var settings = command.Progress.Read(parseResult);
        if (parseResult.GetValue(command.Check))
        {
            return ChecksumVerifier.RunAsync(names, command.ReadCheckOptions(parseResult), Output(parseResult), Error(parseResult), settings, cancellationToken);
        }

        command.RefuseCheckOnlyOptions(parseResult);
        var bits = parseResult.GetValue(command.Algorithm);
        return HashCommand.HashFilesAsync(names, bits, parseResult.GetValue(command.Tag), parseResult.GetValue(command.Json), Output(parseResult), Error(parseResult), settings, cancellationToken);
    }
}
