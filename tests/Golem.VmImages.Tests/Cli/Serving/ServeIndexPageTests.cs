using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Golem.VmImages.Tests.Cli.Serving;

/// <summary>
/// The index page as a browser shows it: rendered by headless Chromium (Debian's <c>chromium</c>, installed by
/// <c>.ci/run</c>), with its script run under the page's Content-Security-Policy.
/// </summary>
[CancelAfter(120_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public partial class ServeIndexPageTests
{
    private const string Name = "app & <tools>.gvmi";

    private string _directory = null!;

    [SetUp]
    public async Task CreateImage()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-serve-page-").FullName;
        var content = new byte[1_234_567];
        new Random(3).NextBytes(content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, Name), content);
    }

    [TearDown]
    public void DeleteImage() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task IndexPage_InHeadlessChromium_ShowsSizeHashTaskPackageSnippetsAndCopyButtons()
    {
        await using var serve = await ServeHarness.StartAsync([_directory]);
        var image = serve.Catalog.Images.Single();
        var url = new Uri(serve.Server.BaseAddress, Uri.EscapeDataString(Name));

        var dom = await DumpDomAsync(serve.Server.BaseAddress, Path.Combine(_directory, "profile"));

        Assert.That(dom, Does.Contain("1,234,567 bytes (1.2 MiB)"));
        Assert.That(dom, Does.Contain($"<code class=\"hash\">{image.Hash}</code>"));
        Assert.That(dom, Does.Contain(WebUtility.HtmlEncode(Name)), "the name is shown as text, not markup");
        var snippets = Snippet().Matches(dom).ToDictionary(m => m.Groups["kind"].Value, m => WebUtility.HtmlDecode(m.Groups["code"].Value));
        Assert.That(snippets, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["task-package"] = $"hash:sha3:{image.Hash}:{url.AbsoluteUri}",
            ["csharp"] = $"var package = new ImagePackage(ImageHash.Parse(\"{image.Hash}\"), new Uri(\"{url.AbsoluteUri}\"));",
            ["python"] = $"package = await vm.repo(image_hash=\"{image.Hash}\", image_url=\"{url.AbsoluteUri}\")",
            ["javascript"] = $"demand: {{ workload: {{ imageHash: \"{image.Hash}\", imageUrl: \"{url.AbsoluteUri}\" }} }},",
        }));
        Assert.That(CopyButton().Matches(dom), Has.Count.EqualTo(4), "the script ran (it adds the buttons) under the page's Content-Security-Policy");
    }

    /// <summary>Loads <paramref name="url"/> in headless Chromium, lets its scripts run, and returns the resulting DOM.</summary>
    internal static async Task<string> DumpDomAsync(Uri url, string profile)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        if (chromium is null)
        {
            Assert.Fail("chromium is not installed; .ci/run installs Debian's chromium for this test.");
        }

        var info = new ProcessStartInfo(chromium!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=5000",
            "--dump-dom", url.AbsoluteUri,
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var dom = await output;
        Assert.That(dom, Does.Contain("<h1>Golem VM images</h1>"), "chromium printed no page: " + await error);
        return dom;
    }

    [GeneratedRegex("""<div class="snippet" data-kind="(?<kind>[a-z-]+)"[^>]*>.*?<pre><code>(?<code>.*?)</code></pre>""", RegexOptions.Singleline)]
    private static partial Regex Snippet();

    [GeneratedRegex("""<button type="button" class="copy"[^>]*>Copy</button>""")]
    private static partial Regex CopyButton();
}
