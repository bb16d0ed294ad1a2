using System.CommandLine;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Cli.Invocation;

var root = new RootCommand("gvmi: build, hash, check, package, inspect, serve and fetch Golem VM images (.gvmi).")
{
    HashCommand.Create(),
    CheckCommand.Create(),
    PackageCommand.Create(),
    InspectCommand.Create(),
    ResolveCommand.Create(),
    WrapCommand.Create(),
    BuildCommand.Create(),
    PublishCommand.Create(),
    ServeCommand.Create(),
    FetchCommand.Create(),
    CacheCommand.Create(),
    CompletionCommand.Create(),
    PushCommand.Create(),
};

return await CliInvocation.RunAsync(root, args).ConfigureAwait(false);
