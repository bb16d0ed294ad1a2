using System.Globalization;
using System.Text;

namespace Golem.VmImages.Packages;

/// <summary>
/// Formats a <see cref="double"/> exactly as Python's <c>str(float)</c> / <c>repr(float)</c> does (CPython's
/// <c>float_repr_style = 'short'</c>): the shortest digits that round-trip, fixed notation with a trailing
/// <c>.0</c> for integral values while the decimal exponent is in [-4, 16), otherwise <c>d.ddde±XX</c> with at
/// least two exponent digits (<c>1e-05</c>, <c>1e+16</c>).
/// </summary>
/// <remarks>The C# task-package snippets and the Python snippets of the CLI print resource minimums with it, so they read as the Python SDK would.</remarks>
public static class PythonFloat
{
    /// <summary>Formats <paramref name="value"/> as Python's <c>repr(float)</c> does.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text Python would print, such as <c>0.5</c>, <c>2.0</c>, <c>1e-05</c> or <c>nan</c>.</returns>
    public static string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Python's.
        var roundTrip = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = roundTrip.StartsWith('-');
        var body = negative ? roundTrip.AsSpan(1) : roundTrip.AsSpan();
        var exponent = 0;
        var e = body.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exponent = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..e];
        }

        var point = body.IndexOf('.');
        var integerDigits = point >= 0 ? point : body.Length;
        var digits = new StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (c != '.')
            {
                digits.Append(c);
            }
        }

        // value = 0.d1d2d3... * 10^decimalPoint, with d1 != 0.
        var decimalPoint = integerDigits + exponent;
        var leadingZeros = 0;
        while (leadingZeros < digits.Length - 1 && digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits.Remove(0, leadingZeros);
        decimalPoint -= leadingZeros;
        var trailing = digits.Length;
        while (trailing > 1 && digits[trailing - 1] == '0')
        {
            trailing--;
        }

        digits.Length = trailing;
        if (digits.Length == 1 && digits[0] == '0')
        {
            return negative ? "-0.0" : "0.0";
        }

        var result = new StringBuilder(32);
        if (negative)
        {
            result.Append('-');
        }

        if (decimalPoint <= -4 || decimalPoint > 16)
        {
            result.Append(digits[0]);
            if (digits.Length > 1)
            {
                result.Append('.').Append(digits, 1, digits.Length - 1);
            }

            var exp = decimalPoint - 1;
            result.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decimalPoint <= 0)
        {
            result.Append("0.").Append('0', -decimalPoint).Append(digits);
        }
        else if (decimalPoint >= digits.Length)
        {
            result.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
        }
        else
        {
            result.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
        }

        return result.ToString();
    }
}
