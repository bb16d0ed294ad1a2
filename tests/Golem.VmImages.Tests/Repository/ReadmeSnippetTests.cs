using System.Text.RegularExpressions;

namespace Golem.VmImages.Tests.Repository;

/// <summary>The README's quick start is made of regions of the compiled samples: each region must appear in it verbatim.</summary>
public partial class ReadmeSnippetTests
{
    public static IEnumerable<TestCaseData> SampleRegions()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "samples"), "Program.cs", SearchOption.AllDirectories))
        {
            foreach (Match match in Region().Matches(File.ReadAllText(file)))
            {
                yield return new TestCaseData(match.Groups["name"].Value, match.Groups["body"].Value)
                    .SetArgDisplayNames($"{Path.GetFileName(Path.GetDirectoryName(file))}:{match.Groups["name"].Value}");
            }
        }
    }

    [Test]
    public void Samples_HaveQuickStartRegions()
    {
        Assert.That(SampleRegions().Select(r => (string)r.Arguments[0]!), Is.SupersetOf(new[] { "publish", "requestor", "provider" }));
    }

    [TestCaseSource(nameof(SampleRegions))]
    public void Readme_ContainsSampleRegionVerbatim(string name, string body)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.That(readme, Does.Contain("```csharp\n" + body + "```"), $"README.md must show the sample region '{name}' exactly as compiled");
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

    [GeneratedRegex(@"^// <(?<name>[a-z]+)>\n(?<body>.*?)^// </\k<name>>", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Region();
}
