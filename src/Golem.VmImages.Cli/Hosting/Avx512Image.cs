using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Golem.VmImages.Cli.Hosting;

/// <summary>
/// Lets the Native AOT build of gvmi hash with AVX-512 on the machines that have it. Native AOT compiles for one
/// instruction-set baseline and, unlike the JIT, never turns an <c>Avx512F.IsSupported</c> check into a run-time
/// test: the portable build has no AVX-512 code at all. So the linux-x64 tool package carries two images of the same
/// program, <c>gvmi</c> (the portable baseline, the command's entry point) and <c>gvmi-avx512</c> (compiled for
/// x86-64-v4), and the entry point replaces itself with the second one before it does any work.
/// </summary>
/// <remarks>
/// <c>DOTNET_EnableAVX512=0</c>, the JIT's switch, keeps the portable image here too, so the same setting turns
/// AVX-512 off in both builds (the native runtime itself does not read it).
/// </remarks>
internal static partial class Avx512Image
{
    /// <summary>What the AVX-512 image's file name adds to the entry point's.</summary>
    public const string FileNameSuffix = "-avx512";

    /// <summary>
    /// Replaces this process with the AVX-512 image (same arguments, environment and process id) when this is the
    /// portable native image, the image is installed beside it, the CPU has every x86-64-v4 feature and AVX-512 is not
    /// switched off. Returns, and the program carries on in this image, in every other case, including a failed exec.
    /// </summary>
    public static void ExecIfSupported(string[] args)
    {
        if (RuntimeFeature.IsDynamicCodeSupported || Avx512F.VL.IsSupported || IsSwitchedOff() || !CpuHasX86_64V4()
            || Environment.ProcessPath is not { } entryPoint)
        {
            return;
        }

        var image = entryPoint + FileNameSuffix;
        if (File.Exists(image))
        {
            Exec(image, args);
        }
    }

    /// <summary>Indicates whether the environment switches AVX-512 (or all hardware intrinsics) off, as the JIT reads it.</summary>
    internal static bool IsSwitchedOff() =>
        Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0"
        || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0";

    /// <summary>
    /// Indicates whether the CPU reports every feature the x86-64-v4 image requires at start-up (x86-64-v3 plus AVX-512
    /// F, CD, BW, DQ and VL), read with <c>cpuid</c> as the native runtime reads them.
    /// </summary>
    internal static bool CpuHasX86_64V4()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7)
        {
            return false;
        }

        // Leaf 1 ECX: SSE3, SSSE3, FMA, CMPXCHG16B, SSE4.1, SSE4.2, MOVBE, POPCNT, OSXSAVE, AVX, F16C.
        const int Leaf1Ecx = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 22) | (1 << 23)
            | (1 << 27) | (1 << 28) | (1 << 29);

        // Leaf 7 EBX: BMI1, AVX2, BMI2, AVX512F, AVX512DQ, AVX512CD, AVX512BW, AVX512VL.
        const int Leaf7Ebx = (1 << 3) | (1 << 5) | (1 << 8) | (1 << 16) | (1 << 17) | (1 << 28) | (1 << 30) | (1 << 31);

        return (X86Base.CpuId(1, 0).Ecx & Leaf1Ecx) == Leaf1Ecx && (X86Base.CpuId(7, 0).Ebx & Leaf7Ebx) == Leaf7Ebx;
    }

    private static void Exec(string path, string[] args)
    {
        var argv = new nint[args.Length + 2];
        try
        {
            argv[0] = Marshal.StringToCoTaskMemUTF8(path);
            for (var i = 0; i < args.Length; i++)
            {
                argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
            }

            _ = Execv(path, argv);
        }
        finally
        {
            foreach (var arg in argv)
            {
                Marshal.FreeCoTaskMem(arg);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execv(string path, nint[] argv);
}
