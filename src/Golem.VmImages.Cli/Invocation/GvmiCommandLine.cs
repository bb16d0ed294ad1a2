using System.CommandLine;
using Golem.VmImages.Cli.Commands;

namespace Golem.VmImages.Cli.Invocation;

/// <summary>The <c>gvmi</c> command tree: every command's definition, in the order <c>gvmi --help</c> lists them.</summary>
internal static class GvmiCommandLine
{
    /// <summary>A new root command holding every <c>gvmi</c> command.</summary>
    public static RootCommand CreateRoot() => new("gvmi: build, publish, push, serve, fetch, hash, check, inspect and package Golem VM images (.gvmi).")
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
}
