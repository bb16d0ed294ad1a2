using System.Diagnostics;
using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>How <see cref="KeccakPath.Calibrated"/> picks between the two AVX-512 kernels, and how a kernel is forced.</summary>
[NonParallelizable]
internal sealed class KeccakCalibrationTests
{
    private const int Rate = 144;

    [TearDown]
    public void ForgetTheTestsCalibration() => KeccakCore.ForgetCalibration();

    [Test]
    public void Absorb_FewerBlocksThanTheThreshold_DoesNotCalibrate_ThenEnoughBlocksDo()
    {
        EngineVectors.RequireSupported(KeccakPath.Calibrated);
        KeccakCore.ForgetCalibration();
        var data = TestVectors.MessageStream(KeccakCore.CalibrationThresholdBlocks * Rate);

        var small = new Sha3Hasher(28, KeccakPath.Calibrated);
        small.Append(data.AsSpan(0, (KeccakCore.CalibrationThresholdBlocks - 1) * Rate));
        Assert.That(KeccakCore.Calibration, Is.Null, "one block short of the threshold");
        Assert.That(small.GetCurrentDigest().ToString(), Is.EqualTo(Convert.ToHexStringLower(EngineVectors.Reference(28, data.AsSpan(0, (KeccakCore.CalibrationThresholdBlocks - 1) * Rate)))));

        var large = new Sha3Hasher(28, KeccakPath.Calibrated);
        large.Append(data);
        var calibration = KeccakCore.Calibration;
        Assert.That(calibration, Is.Not.Null, "the threshold reached in one call");
        Assert.That(calibration!.Chosen, Is.AnyOf(KeccakPath.Avx512, KeccakPath.Avx512Rows));
        Assert.That(calibration.Blocks, Is.EqualTo(KeccakCore.CalibrationBlocks));
        Assert.That(large.GetCurrentDigest().ToString(), Is.EqualTo(Convert.ToHexStringLower(EngineVectors.Reference(28, data))));
    }

    [Test]
    public void Absorb_AfterCalibration_KeepsTheFirstChoice()
    {
        EngineVectors.RequireSupported(KeccakPath.Calibrated);
        KeccakCore.ForgetCalibration();
        var data = TestVectors.MessageStream(KeccakCore.CalibrationThresholdBlocks * Rate);
        new Sha3Hasher(28, KeccakPath.Calibrated).Append(data);
        var first = KeccakCore.Calibration;

        new Sha3Hasher(28, KeccakPath.Calibrated).Append(data);
        Assert.That(KeccakCore.Calibration, Is.SameAs(first));
    }

    [Test]
    public void Calibrate_TimesBothKernels_ChoosesTheShorterBestTime_AndLeavesNoStateBehind()
    {
        EngineVectors.RequireSupported(KeccakPath.Calibrated);
        KeccakCore.ForgetCalibration();
        var data = TestVectors.MessageStream(KeccakCore.CalibrationBlocks * Rate);

        var calibration = KeccakCore.Calibrate(data, Rate);

        Assert.That(calibration.Avx512, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(calibration.Avx512Rows, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(calibration.Elapsed, Is.GreaterThanOrEqualTo(calibration.Avx512 + calibration.Avx512Rows));
        Assert.That(calibration.Chosen, Is.EqualTo(calibration.Avx512Rows < calibration.Avx512 ? KeccakPath.Avx512Rows : KeccakPath.Avx512));
        Assert.That(calibration.ToString(), Does.StartWith("Keccak calibration: Avx512 ").And.Contain($"chose {calibration.Chosen}"));
        Assert.That(KeccakCore.Calibration, Is.Null, "Calibrate measures; only a Calibrated absorb remembers");
    }

    [Test]
    public void Calibrate_WithoutAvx512_ThrowsPlatformNotSupported()
    {
        if (KeccakCore.IsSupported(KeccakPath.Calibrated))
        {
            Assert.Ignore("This machine has AVX-512; run with DOTNET_EnableAVX512=0 to see the refusal.");
        }

        Assert.That(
            () => KeccakCore.Calibrate(new byte[KeccakCore.CalibrationBlocks * Rate], Rate),
            Throws.TypeOf<PlatformNotSupportedException>().With.Message.Contains("Calibrated is not supported on this machine"));
    }

    [TestCase(100L, 99L, KeccakPath.Avx512Rows)]
    [TestCase(99L, 100L, KeccakPath.Avx512)]
    [TestCase(100L, 100L, KeccakPath.Avx512)]
    public void Choose_ShorterBestTimeWins_TieKeepsLanePerRegister(long lanes, long rows, KeccakPath expected) =>
        Assert.That(KeccakCore.Choose(lanes, rows), Is.EqualTo(expected));

    [TestCase("Avx512Rows", KeccakPath.Avx512Rows)]
    [TestCase("avx512rows", KeccakPath.Avx512Rows)]
    [TestCase("AVX512", KeccakPath.Avx512)]
    [TestCase("scalar", KeccakPath.Scalar)]
    public void ParseForcedPath_KernelName_IsForcedWhereSupported(string value, KeccakPath kernel)
    {
        var expected = KeccakCore.IsSupported(kernel) ? kernel : (KeccakPath?)null;
        Assert.That(KeccakCore.ParseForcedPath(value), Is.EqualTo(expected));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("Calibrated")]
    [TestCase("2")]
    [TestCase("fastest")]
    public void ParseForcedPath_AnythingElse_LeavesTheChoiceToCalibration(string? value) =>
        Assert.That(KeccakCore.ParseForcedPath(value), Is.Null);

    [Test]
    [CancelAfter(120_000)]
    public void Gvmi_ReportVariable_PrintsTheCalibration_AndTheKernelVariableForcesOne()
    {
        EngineVectors.RequireSupported(KeccakPath.Avx512Rows);
        var file = Path.Combine(Path.GetTempPath(), $"keccak-calibration-{Guid.NewGuid():N}.bin");
        var data = TestVectors.MessageStream(2 * KeccakCore.CalibrationThresholdBlocks * Rate);
        File.WriteAllBytes(file, data);
        try
        {
            var expected = Convert.ToHexStringLower(EngineVectors.Reference(28, data));

            var (output, error) = RunGvmi(file, (KeccakCore.ReportVariable, "1"));
            Assert.That(output, Does.StartWith(expected));
            Assert.That(error, Does.Match(@"^Keccak calibration: Avx512 [0-9.]+ us, Avx512Rows [0-9.]+ us for 32 blocks \(best of 5\); chose Avx512(Rows)? in [0-9]+ us\n$"));

            (output, error) = RunGvmi(file, (KeccakCore.ReportVariable, "1"), (KeccakCore.KernelVariable, "avx512rows"));
            Assert.That(output, Does.StartWith(expected));
            Assert.That(error, Is.Empty, "a forced kernel is not calibrated");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (string Output, string Error) RunGvmi(string file, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "gvmi.dll"));
        start.ArgumentList.Add("hash");
        start.ArgumentList.Add(file);
        start.Environment.Remove(KeccakCore.KernelVariable);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, error.Result);
        return (output, error.Result);
    }
}
