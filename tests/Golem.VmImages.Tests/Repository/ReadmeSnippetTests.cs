using System.Text.RegularExpressions;

namespace Golem.VmImages.Tests.Repository;

/// <summary>
/// The README's quick start is made of regions of the compiled samples: each region must appear in it verbatim, after
/// the <c>using</c> lines it needs (the sample's region <c>NAME-usings</c>, which covers them where they are compiled).
/// </summary>
public partial class ReadmeSnippetTests
{
    private const string UsingsSuffix = "-usings";

    public static IEnumerable<TestCaseData> SampleRegions()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "samples"), "Program.cs", SearchOption.AllDirectories))
        {
            var regions = Region().Matches(File.ReadAllText(file)).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value);
            foreach (var (name, body) in regions.Where(r => !r.Key.EndsWith(UsingsSuffix, StringComparison.Ordinal)))
            {
                yield return new TestCaseData(name, regions.GetValueOrDefault(name + UsingsSuffix), body)
                    .SetArgDisplayNames($"{Path.GetFileName(Path.GetDirectoryName(file))}:{name}");
            }
        }
    }

    [Test]
    public void Samples_HaveQuickStartRegions()
    {
        Assert.That(SampleRegions().Select(r => (string)r.Arguments[0]!), Is.SupersetOf(new[] { "publish", "requestor", "provider", "push" }));
    }

    [TestCaseSource(nameof(SampleRegions))]
    public void Readme_ShowsSampleRegionWithItsUsings(string name, string? usings, string body)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.That(usings, Does.StartWith("using "), $"the sample region '{name}' needs a region '{name}{UsingsSuffix}' around the using lines it needs");
        Assert.That(readme, Does.Contain("```csharp\n" + usings + "\n" + body + "```"), $"README.md must show the sample region '{name}' after its using lines, exactly as compiled");
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Golem.VmImages.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests must run from inside the repository.");
    }

    [GeneratedRegex(@"^// <(?<name>[a-z]+(?:-usings)?)>\n(?<body>.*?)^// </\k<name>>", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Region();
}
