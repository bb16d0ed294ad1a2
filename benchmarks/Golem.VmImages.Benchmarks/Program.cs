using BenchmarkDotNet.Running;
using Golem.VmImages.Benchmarks;

if (args is ["kernels", .. var rest])
{
    KernelHarness.Run(rest);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
