using System.CommandLine;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Cli.Hosting;

Avx512Image.ExecIfSupported(args);

var root = new RootCommand("gvmi: hash, check, package, inspect, serve and fetch Golem VM images (.gvmi).")
{
    HashCommand.Create(),
    CheckCommand.Create(),
    PackageCommand.Create(),
    InspectCommand.Create(),
    ResolveCommand.Create(),
    WrapCommand.Create(),
    ServeCommand.Create(),
    FetchCommand.Create(),
    CacheCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
