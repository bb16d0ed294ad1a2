using System.Runtime.Intrinsics.X86;
using Golem.VmImages.Cli.Hosting;

namespace Golem.VmImages.Tests.Cli;

/// <summary>
/// The native tool's choice of its AVX-512 image. The exec itself is exercised by .ci/smoke-test on the installed
/// native package; here the CPU check is held against the JIT's own detection of the same features.
/// </summary>
internal sealed class Avx512ImageTests
{
    [Test]
    public void CpuHasX86_64V4_AgreesWithTheJitsDetection()
    {
        if (Avx512Image.IsSwitchedOff())
        {
            Assert.Ignore("AVX-512 is switched off for this test run (DOTNET_EnableAVX512=0), so the JIT's view is not the CPU's.");
        }

        var jit = Avx512F.VL.IsSupported && Avx512BW.VL.IsSupported && Avx512CD.VL.IsSupported && Avx512DQ.VL.IsSupported
            && Avx2.IsSupported && Fma.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Sse42.IsSupported && Popcnt.IsSupported;
        Assert.That(Avx512Image.CpuHasX86_64V4(), Is.EqualTo(jit));
    }
}
