using System.Globalization;

namespace Golem.VmImages.Cli;

/// <summary>
/// Sizes in human units, read and written the same way across the CLI. Read: a plain number of bytes, or a number
/// with a unit as coreutils and docker read them: <c>K</c>, <c>M</c>, <c>G</c>, <c>T</c> (with or without <c>iB</c>)
/// are powers of 1024, <c>KB</c>, <c>MB</c>, <c>GB</c>, <c>TB</c> powers of 1000; <c>10G</c>, <c>512MiB</c>,
/// <c>1.5GB</c>. Written: <c>1.2 GiB</c>.
/// </summary>
internal static class ByteSize
{
    private static readonly System.Buffers.SearchValues<char> NumberCharacters = System.Buffers.SearchValues.Create("0123456789.");

    private static readonly string[] BinaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        }

        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < BinaryUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {BinaryUnits[unit]}");
    }

    /// <summary>Reads a size; false for anything that is not a finite, non-negative number of bytes that fits a long.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
        var split = trimmed.AsSpan().IndexOfAnyExcept(NumberCharacters);
        var number = split < 0 ? trimmed : trimmed[..split];
        var unit = split < 0 ? string.Empty : trimmed[split..].Trim();
        if (number.Length == 0
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || Multiplier(unit) is not { } multiplier)
        {
            return false;
        }

        var total = Math.Round(value * multiplier);
        if (!double.IsFinite(total) || total > long.MaxValue)
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>The message for a size that could not be read.</summary>
    public static string Invalid(string option, string text) =>
        $"{option} '{text}' is not a size; expected bytes or a number with a unit, like 10G, 512MiB or 1.5GB.";

    private static double? Multiplier(string unit) => unit.ToUpperInvariant() switch
    {
        "" or "B" => 1,
        "K" or "KIB" => 1024d,
        "M" or "MIB" => 1024d * 1024,
        "G" or "GIB" => 1024d * 1024 * 1024,
        "T" or "TIB" => 1024d * 1024 * 1024 * 1024,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => null,
    };
}
