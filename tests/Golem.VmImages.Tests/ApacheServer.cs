using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Golem.VmImages.Tests;

/// <summary>
/// Debian's Apache httpd (<c>apache2</c>) on 127.0.0.1 with a random port and its own configuration (no
/// <c>/etc/apache2</c>): mod_dav, mod_dav_fs and basic authentication loaded, the given directives added.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ApacheServer : IAsyncDisposable
{
    private const string Modules = "/usr/lib/apache2/modules";

    private readonly Process _process;
    private readonly int _port;

    private ApacheServer(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        _port = port;
    }

    public string Directory { get; }

    public Uri Url(string name) => new($"http://127.0.0.1:{_port}/{name}");

    public string[] AccessLog() => File.ReadAllLines(Path.Combine(Directory, "access.log"));

    /// <summary>Writes <c>htpasswd</c> in Apache's <c>{SHA}</c> form, which nginx reads too.</summary>
    public static string HtpasswdLine(string user, string password) =>
        $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}\n";

    /// <param name="root">The test's scratch directory; Apache's files go under <c>root/apache</c>.</param>
    /// <param name="directives">Directives added at the end of the server configuration; <c>{dir}</c> stands for Apache's directory.</param>
    /// <param name="writable">Subdirectories of Apache's directory made writable by its workers (for PUT).</param>
    public static async Task<ApacheServer> StartAsync(string root, string directives, params string[] writable)
    {
        const string executable = "/usr/sbin/apache2";
        if (!File.Exists(executable) || !File.Exists(Path.Combine(Modules, "mod_dav_fs.so")))
        {
            Assert.Ignore("Apache httpd is not installed (/usr/sbin/apache2 with mod_dav_fs); install the Debian package apache2, as .ci/run does, to run the Apache interop tests.");
        }

        var directory = Path.Combine(root, "apache");
        System.IO.Directory.CreateDirectory(directory);
        foreach (var d in new[] { root, directory })
        {
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        }

        foreach (var name in writable)
        {
            var path = Path.Combine(directory, name);
            System.IO.Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }

        var port = ServerProcess.FreeLoopbackPort();
        var asRoot = Environment.UserName == "root";
        var config = $$"""
            ServerRoot {{directory}}
            ServerName 127.0.0.1
            Listen 127.0.0.1:{{port}}
            PidFile {{directory}}/httpd.pid
            DefaultRuntimeDir {{directory}}
            Mutex file:{{directory}} default
            ErrorLog {{directory}}/error.log
            LogFormat "%m %U %>s %I \"%{User-Agent}i\"" requests
            CustomLog {{directory}}/access.log requests
            {{(asRoot ? "User www-data\nGroup www-data" : string.Empty)}}
            LoadModule mpm_event_module {{Modules}}/mod_mpm_event.so
            LoadModule authz_core_module {{Modules}}/mod_authz_core.so
            LoadModule authz_user_module {{Modules}}/mod_authz_user.so
            LoadModule authn_core_module {{Modules}}/mod_authn_core.so
            LoadModule authn_file_module {{Modules}}/mod_authn_file.so
            LoadModule auth_basic_module {{Modules}}/mod_auth_basic.so
            LoadModule alias_module {{Modules}}/mod_alias.so
            LoadModule dav_module {{Modules}}/mod_dav.so
            LoadModule dav_fs_module {{Modules}}/mod_dav_fs.so
            StartServers 1
            ServerLimit 1
            DocumentRoot {{directory}}
            {{directives.Replace("{dir}", directory, StringComparison.Ordinal)}}
            """;
        var configPath = Path.Combine(directory, "httpd.conf");
        await File.WriteAllTextAsync(configPath, config);
        var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-f", configPath, "-DFOREGROUND" })
        {
            info.ArgumentList.Add(argument);
        }

        var log = Path.Combine(directory, "error.log");
        var process = await ServerProcess.StartListeningAsync(info, port, "Apache", async stopped =>
            await stopped.StandardError.ReadToEndAsync() + (File.Exists(log) ? await File.ReadAllTextAsync(log) : string.Empty));
        return new ApacheServer(process, directory, port);
    }

    public ValueTask DisposeAsync() => ServerProcess.StopAsync(_process);
}
