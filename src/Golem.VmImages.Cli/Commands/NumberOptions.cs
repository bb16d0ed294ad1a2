using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// Options whose values are numbers, sizes or ages, checked by the parser: NaN, infinities and values out of range
/// are usage errors (exit code 2) with a message that names the option and the accepted range.
/// </summary>
internal static class NumberOptions
{
    /// <summary>Rejects values below <paramref name="minimum"/> (and, for floating point, NaN and infinities).</summary>
    public static Option<TValue> AtLeast<TValue>(this Option<TValue> option, TValue minimum)
        where TValue : INumber<TValue>
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out TValue value))
            {
                return;
            }

            if (TValue.IsNaN(value) || TValue.IsInfinity(value) || value < minimum)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} is {value}; expected a finite number of at least {minimum}."));
            }
        });
        return option;
    }

    /// <summary>Rejects values of zero or less (and, for floating point, NaN and infinities).</summary>
    public static Option<TValue> Positive<TValue>(this Option<TValue> option)
        where TValue : INumber<TValue>
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out TValue value))
            {
                return;
            }

            if (TValue.IsNaN(value) || TValue.IsInfinity(value) || value <= TValue.Zero)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} is {value}; expected a positive finite number."));
            }
        });
        return option;
    }

    /// <summary>The same as <see cref="Positive{TValue}(Option{TValue})"/> for an optional value: no value is accepted.</summary>
    public static Option<TValue?> PositiveIfGiven<TValue>(this Option<TValue?> option)
        where TValue : struct, INumber<TValue>
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out TValue? given) && given is { } value && value <= TValue.Zero)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} is {value}; expected a positive number."));
            }
        });
        return option;
    }

    /// <summary>An option taking a size in human units (<c>10G</c>, <c>512MiB</c>, <c>1.5GB</c> or bytes).</summary>
    public static Option<long?> Size(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "SIZE",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (ByteSize.TryParse(text, out var bytes))
            {
                return bytes;
            }

            result.AddError(ByteSize.Invalid(name, text));
            return null;
        },
    };

    /// <summary>An option taking an age in human units (<c>90m</c>, <c>36h</c>, <c>30d</c>, <c>2w</c>).</summary>
    public static Option<TimeSpan?> Age(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "AGE",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (Duration.TryParse(text, out var age))
            {
                return age;
            }

            result.AddError(Duration.Invalid(name, text));
            return null;
        },
    };

    /// <summary>The option's value, or false when it could not be converted (the parser reports that error itself).</summary>
    private static bool TryGetValue<TValue>(System.CommandLine.Parsing.OptionResult result, out TValue value)
    {
        try
        {
            value = result.GetValueOrDefault<TValue>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
