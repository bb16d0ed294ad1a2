using Golem.VmImages.Cli.Invocation;

return await CliInvocation.RunAsync(GvmiCommandLine.CreateRoot(), args).ConfigureAwait(false);
