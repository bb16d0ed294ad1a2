using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Golem.VmImages.Fetching;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Tests.DependencyInjection;

/// <summary>Each option range is written once, in its validator's table; the options' XML documentation must say the same range.</summary>
[TestFixture]
public sealed partial class OptionRangeDocumentationTests
{
    private static readonly Lazy<XDocument> Documentation = new(() =>
        XDocument.Load(Path.ChangeExtension(typeof(ImageFetcherOptions).Assembly.Location, ".xml")));

    private static IEnumerable<TestCaseData> Ranges() =>
        Cases(typeof(ImageFetcherOptions), ImageFetcherOptionsValidator.Ranges)
            .Concat(Cases(typeof(ImageRegistryOptions), ImageRegistryOptionsValidator.Ranges))
            .Concat(Cases(typeof(ImagePusherOptions), ImagePusherOptionsValidator.Ranges));

    [TestCaseSource(nameof(Ranges))]
    public void Documentation_OfEveryBoundedOption_SaysTheValidatorsRange(string member, string expected)
    {
        var element = Documentation.Value.Descendants("member").SingleOrDefault(m => (string?)m.Attribute("name") == member);

        Assert.That(element, Is.Not.Null, member + " has no XML documentation.");
        Assert.That(Normalize(element!), Does.Contain(expected));
    }

    private static IEnumerable<TestCaseData> Cases<TOptions>(Type options, IEnumerable<OptionRange<TOptions>> ranges) =>
        ranges.Select(r => new TestCaseData("P:" + options.FullName + "." + r.Name, "Valid from " + Format(r.Min) + " to " + Format(r.Max) + ".")
            .SetName(options.Name + "_" + r.Name));

    private static string Format(object value) => value switch
    {
        long.MaxValue => "long.MaxValue",
        TimeSpan { Milliseconds: not 0 } time => time.ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture),
        TimeSpan time => time.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>The documentation text with <c>&lt;see cref="F:System.Int64.MaxValue"/&gt;</c> as <c>long.MaxValue</c>, asides in parentheses dropped and white space collapsed.</summary>
    private static string Normalize(XElement member)
    {
        foreach (var see in member.Descendants("see").ToList())
        {
            see.ReplaceWith((string?)see.Attribute("cref") == "F:System.Int64.MaxValue" ? "long.MaxValue" : ((string?)see.Attribute("cref") ?? string.Empty).Split('.')[^1]);
        }

        return Spaces().Replace(Asides().Replace(member.Value, string.Empty), " ");
    }

    [GeneratedRegex(@"\s*\([^)]*\)")]
    private static partial Regex Asides();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
