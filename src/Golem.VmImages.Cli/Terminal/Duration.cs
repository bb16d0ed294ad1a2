using System.Globalization;

namespace Golem.VmImages.Cli;

/// <summary>Ages in human units, as <c>--max-age</c> reads them: a number with <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c> or <c>w</c> (<c>90m</c>, <c>36h</c>, <c>30d</c>, <c>1.5w</c>).</summary>
internal static class Duration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var trimmed = text.Trim();
        if (trimmed.Length < 2)
        {
            return false;
        }

        double? unit = char.ToLowerInvariant(trimmed[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => null,
        };
        if (unit is not { } seconds
            || !double.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value * seconds)
            || value * seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * seconds);
        return true;
    }

    public static string Invalid(string option, string text) =>
        $"{option} '{text}' is not an age; expected a number with a unit, like 90m, 36h, 30d or 2w.";
}
