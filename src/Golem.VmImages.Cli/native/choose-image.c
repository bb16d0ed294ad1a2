// Linked into the portable linux-x64 Native AOT image of gvmi only. Native AOT compiles for one instruction-set
// baseline and never turns an AVX-512 or AVX2 check into a run-time test, so the tool package carries three images
// of the same program: gvmi (x86-64-v2, the command's entry point), gvmi-avx2 (x86-64-v3) and gvmi-avx512
// (x86-64-v4). This constructor runs before the .NET runtime starts and replaces the process with the best image
// this CPU and the environment allow: same arguments, environment and process id. When anything is missing or
// fails it returns, and the portable image runs.

#include <cpuid.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// CPUID leaf 1, ECX: SSE3, SSSE3, FMA, CMPXCHG16B, SSE4.1, SSE4.2, MOVBE, POPCNT, OSXSAVE, AVX, F16C.
#define LEAF1_ECX_V3 ((1u << 0) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) \
    | (1u << 23) | (1u << 27) | (1u << 28) | (1u << 29))
// CPUID leaf 7, EBX: BMI1, AVX2, BMI2.
#define LEAF7_EBX_V3 ((1u << 3) | (1u << 5) | (1u << 8))
// CPUID leaf 7, EBX: AVX512F, AVX512DQ, AVX512CD, AVX512BW, AVX512VL.
#define LEAF7_EBX_V4 (LEAF7_EBX_V3 | (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31))
// CPUID leaf 0x80000001, ECX: LAHF/SAHF in 64-bit mode, LZCNT.
#define EXT1_ECX_V3 ((1u << 0) | (1u << 5))
// XCR0: the OS saves the SSE and AVX state (bits 1, 2) ...
#define XCR0_AVX 0x06u
// ... and the AVX-512 opmask and upper ZMM state (bits 5, 6, 7).
#define XCR0_AVX512 0xE6u

enum level { LEVEL_V2, LEVEL_V3, LEVEL_V4 };

static unsigned xcr0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return eax;
}

// The highest of x86-64-v3 and -v4 whose every feature the CPU reports and the OS has enabled, as the .NET
// runtime checks them before it runs an image compiled for that level (it refuses to start otherwise).
static enum level cpu_level(void)
{
    unsigned eax, ebx, ecx, edx;
    if ((unsigned)__get_cpuid_max(0, 0) < 7 || (unsigned)__get_cpuid_max(0x80000000, 0) < 0x80000001u)
    {
        return LEVEL_V2;
    }

    __cpuid(1, eax, ebx, ecx, edx);
    unsigned leaf1_ecx = ecx;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    unsigned leaf7_ebx = ebx;
    __cpuid(0x80000001, eax, ebx, ecx, edx);
    unsigned ext1_ecx = ecx;

    // OSXSAVE (checked first, in leaf 1) makes xgetbv safe to run.
    if ((leaf1_ecx & LEAF1_ECX_V3) != LEAF1_ECX_V3 || (leaf7_ebx & LEAF7_EBX_V3) != LEAF7_EBX_V3
        || (ext1_ecx & EXT1_ECX_V3) != EXT1_ECX_V3)
    {
        return LEVEL_V2;
    }

    unsigned os = xcr0();
    if ((os & XCR0_AVX) != XCR0_AVX)
    {
        return LEVEL_V2;
    }

    return (leaf7_ebx & LEAF7_EBX_V4) == LEAF7_EBX_V4 && (os & XCR0_AVX512) == XCR0_AVX512 ? LEVEL_V4 : LEVEL_V3;
}

// Whether a .NET runtime setting (DOTNET_NAME, else COMPlus_NAME) is 0, read as the runtime reads it: hexadecimal.
static bool is_switched_off(const char *name)
{
    static const char *const prefixes[] = { "DOTNET_", "COMPlus_" };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    {
        char variable[64];
        if (strlen(prefixes[i]) + strlen(name) >= sizeof variable)
        {
            continue;
        }

        strcpy(variable, prefixes[i]);
        strcat(variable, name);
        const char *value = getenv(variable);
        if (value == NULL || *value == '\0')
        {
            continue;
        }

        char *end;
        unsigned long parsed = strtoul(value, &end, 16);
        return *end == '\0' && parsed == 0;
    }

    return false;
}

// Replaces the process with the image beside this one whose file name adds SUFFIX, if it exists and runs.
static void exec_sibling(const char *self, const char *suffix, char **argv)
{
    char image[PATH_MAX];
    if (strlen(self) + strlen(suffix) >= sizeof image)
    {
        return;
    }

    strcpy(image, self);
    strcat(image, suffix);
    if (access(image, X_OK) == 0)
    {
        execv(image, argv);
    }
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

__attribute__((constructor)) static void gvmi_choose_image(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 1 || argv == NULL || is_switched_off("EnableHWIntrinsic") || is_switched_off("EnableAVX")
        || is_switched_off("EnableAVX2"))
    {
        return;
    }

    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
    {
        return;
    }

    self[length] = '\0';
    // An image that is already a specialised one (say, renamed or copied) never chooses again.
    if (ends_with(self, "-avx512") || ends_with(self, "-avx2"))
    {
        return;
    }

    enum level level = cpu_level();
    if (level == LEVEL_V4 && !is_switched_off("EnableAVX512"))
    {
        exec_sibling(self, "-avx512", argv);
    }

    if (level >= LEVEL_V3)
    {
        exec_sibling(self, "-avx2", argv);
    }
}
