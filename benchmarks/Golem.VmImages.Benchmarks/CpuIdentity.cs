using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Golem.VmImages.Benchmarks;

/// <summary>The CPU's vendor, family and model as CPUID reports them (the figures <c>lscpu</c> prints), for result headers.</summary>
internal static class CpuIdentity
{
    /// <summary>Returns, for example, "AuthenticAMD family 26 model 2", or a note that CPUID is not available.</summary>
    public static string Describe()
    {
        if (!X86Base.IsSupported)
        {
            return "no CPUID (not x86)";
        }

        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var vendor = new StringBuilder(12);
        foreach (var register in new[] { ebx, edx, ecx })
        {
            for (var shift = 0; shift < 32; shift += 8)
            {
                vendor.Append((char)((register >> shift) & 0xFF));
            }
        }

        // Family and model with the extended fields folded in, as the Intel and AMD manuals define them.
        var eax = X86Base.CpuId(1, 0).Eax;
        var baseFamily = (eax >> 8) & 0xF;
        var family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        var model = (eax >> 4) & 0xF;
        if (baseFamily is 0x6 or 0xF)
        {
            model |= ((eax >> 16) & 0xF) << 4;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{vendor} family {family} model {model}");
    }
}
