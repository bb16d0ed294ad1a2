namespace Golem.VmImages;

/// <summary>
/// One option's valid range, declared once in its validator's <c>Ranges</c> table: the validator checks it, and a test
/// checks the option's XML documentation (<c>Valid from … to …</c>) against it.
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
internal abstract class OptionRange<TOptions>
{
    /// <summary>Gets the option's property name.</summary>
    public abstract string Name { get; }

    /// <summary>Gets the smallest valid value.</summary>
    public abstract object Min { get; }

    /// <summary>Gets the largest valid value.</summary>
    public abstract object Max { get; }

    /// <summary>Adds a message to <paramref name="failures"/> when the option's value is outside the range.</summary>
    public abstract void Check(List<string> failures, string type, TOptions options);
}

/// <summary>Creates <see cref="OptionRange{TOptions}"/> entries.</summary>
internal static class OptionRange
{
    /// <summary>Checks every range: a value outside <c>[min, max]</c> adds one message naming the option, its value and the range.</summary>
    public static void CheckAll<TOptions>(List<string> failures, string type, TOptions options, IEnumerable<OptionRange<TOptions>> ranges)
    {
        foreach (var range in ranges)
        {
            range.Check(failures, type, options);
        }
    }

    public static OptionRange<TOptions> Of<TOptions, T>(string name, Func<TOptions, T> value, T min, T max)
        where T : IComparable<T> => new Range<TOptions, T>(name, value, min, max);

    private sealed class Range<TOptions, T>(string name, Func<TOptions, T> value, T min, T max) : OptionRange<TOptions>
        where T : IComparable<T>
    {
        public override string Name => name;

        public override object Min => min;

        public override object Max => max;

        public override void Check(List<string> failures, string type, TOptions options)
        {
            var actual = value(options);
            if (actual.CompareTo(min) < 0 || actual.CompareTo(max) > 0)
            {
                failures.Add(ErrorMessages.OptionRange(type, name, actual, min, max));
            }
        }
    }
}
