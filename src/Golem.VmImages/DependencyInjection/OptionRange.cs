namespace Golem.VmImages;

/// <summary>The one range check behind every options validator: a value outside <c>[min, max]</c> adds one message naming the option, its value and the range.</summary>
internal static class OptionRange
{
    public static void Check<T>(List<string> failures, string type, string name, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            failures.Add(ErrorMessages.OptionRange(type, name, value, min, max));
        }
    }
}
