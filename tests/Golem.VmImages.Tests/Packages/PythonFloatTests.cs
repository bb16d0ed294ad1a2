using Golem.VmImages.Packages;

namespace Golem.VmImages.Tests.Packages;

/// <summary>
/// Expected strings are what CPython 3 prints for <c>str(x)</c> / <c>repr(x)</c> of each float (float_repr_style
/// 'short': shortest round-trip digits, fixed notation with ".0" while the decimal point position is in (-4, 16],
/// otherwise exponent form with a sign and at least two exponent digits).
/// </summary>
public class PythonFloatTests
{
    private static readonly object[] Cases =
    [
        new object[] { 0.5, "0.5" },
        new object[] { 2.0, "2.0" },
        new object[] { 4.0, "4.0" },
        new object[] { 1.0, "1.0" },
        new object[] { 100.0, "100.0" },
        new object[] { 0.75, "0.75" },
        new object[] { 1.25, "1.25" },
        new object[] { 0.1, "0.1" },
        new object[] { 0.1 + 0.2, "0.30000000000000004" },
        new object[] { 123.456, "123.456" },
        new object[] { 12345678.9, "12345678.9" },
        new object[] { 0.0001, "0.0001" },
        new object[] { 0.00012345, "0.00012345" },
        new object[] { 1e-05, "1e-05" },
        new object[] { 1.5e-05, "1.5e-05" },
        new object[] { 2.5e-07, "2.5e-07" },
        new object[] { 1e15, "1000000000000000.0" },
        new object[] { 9999999999999998.0, "9999999999999998.0" },
        new object[] { 1234567890123456.7, "1234567890123456.8" },
        new object[] { 123456789012345.0, "123456789012345.0" },
        new object[] { 1e16, "1e+16" },
        new object[] { 1e22, "1e+22" },
        new object[] { 123456789012345678.0, "1.2345678901234568e+17" },
        new object[] { 1e100, "1e+100" },
        new object[] { 5e-324, "5e-324" },
        new object[] { double.MaxValue, "1.7976931348623157e+308" },
        new object[] { 0.0, "0.0" },
        new object[] { -2.5, "-2.5" },
        new object[] { -1e-05, "-1e-05" },
        new object[] { double.PositiveInfinity, "inf" },
        new object[] { double.NaN, "nan" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void Format_Value_MatchesPythonStr(double value, string expected)
    {
        Assert.That(PythonFloat.Format(value), Is.EqualTo(expected));
    }
}
