using System.Text.RegularExpressions;
using Golem.VmImages.Tests.Repository;

namespace Golem.VmImages.Tests.Publishing;

/// <summary>The README's nginx and Apache configurations for <c>gvmi publish</c>, as the tests run them.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class PublishServerConfigs
{
    public const string User = "publisher";
    public const string Password = "pw-Rt52-never-printed";

    /// <summary>The README's nginx block, its htpasswd path pointed into the test's nginx directory.</summary>
    public static string Nginx() =>
        Block("nginx").Replace("/etc/nginx/gvmi-publish.htpasswd", "{dir}/htpasswd", StringComparison.Ordinal)
            + "\naccess_log {dir}/requests.log requests;";

    /// <summary>The README's nginx block with only <c>PUT</c> enabled, as a server without WebDAV MOVE.</summary>
    public static string NginxPutOnly()
    {
        var config = Nginx();
        Assert.That(config, Does.Contain("dav_methods PUT DELETE MOVE;"));
        return config.Replace("dav_methods PUT DELETE MOVE;", "dav_methods PUT;", StringComparison.Ordinal);
    }

    /// <summary>The README's Apache block, its paths pointed into the test's Apache directory.</summary>
    public static string Apache() =>
        Block("apache")
            .Replace("/var/lib/apache2/dav/", "{dir}/dav/", StringComparison.Ordinal)
            .Replace("/srv/images", "{dir}/images", StringComparison.Ordinal)
            .Replace("/etc/apache2/gvmi-publish.htpasswd", "{dir}/htpasswd", StringComparison.Ordinal);

    public static async Task<NginxServer> StartNginxAsync(string root, string config)
    {
        var nginx = await NginxServer.StartAsync(root, config, writable: true);
        await File.WriteAllTextAsync(Path.Combine(nginx.Directory, "htpasswd"), ApacheServer.HtpasswdLine(User, Password));
        return nginx;
    }

    public static async Task<ApacheServer> StartApacheAsync(string root)
    {
        var apache = await ApacheServer.StartAsync(root, Apache(), "images", "dav");
        await File.WriteAllTextAsync(Path.Combine(apache.Directory, "htpasswd"), ApacheServer.HtpasswdLine(User, Password));
        return apache;
    }

    /// <summary>Lines of nginx's <c>requests</c> log: method, path, status, request length, body bytes sent, User-Agent.</summary>
    public static string[] Requests(NginxServer nginx) => File.ReadAllLines(Path.Combine(nginx.Directory, "requests.log"));

    private static string Block(string language)
    {
        var readme = File.ReadAllText(Path.Combine(ReadmeSnippetTests.RepositoryRoot(), "README.md"));
        var blocks = Fence().Matches(readme).Where(m => m.Groups["lang"].Value == language).ToArray();
        Assert.That(blocks, Has.Length.EqualTo(1), $"README.md has one ```{language} block");
        var indent = blocks[0].Groups["indent"].Value;
        return string.Join('\n', blocks[0].Groups["body"].Value.Split('\n').Select(line => line.StartsWith(indent, StringComparison.Ordinal) ? line[indent.Length..] : line));
    }

    [GeneratedRegex(@"^(?<indent>[ ]*)```(?<lang>[a-z]+)\n(?<body>.*?)\n[ ]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
