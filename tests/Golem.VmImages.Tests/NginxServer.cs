using System.Diagnostics;

namespace Golem.VmImages.Tests;

/// <summary>Debian's nginx on 127.0.0.1 with a random port, serving <c>www</c> under its directory, with extra <c>server</c> directives when given.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly int _port;

    private NginxServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _port = port;
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{_port}/");

    public string Directory => _directory;

    public Uri Url(string name) => new($"http://127.0.0.1:{_port}/{name}");

    public string FilePath(string name) => Path.Combine(_directory, "www", name);

    public string[] AccessLog() => File.ReadAllLines(Path.Combine(_directory, "access.log"));

    /// <param name="root">The test's scratch directory; nginx's files go under <c>root/nginx</c>.</param>
    /// <param name="serverDirectives">Directives added to the <c>server</c> block; <c>{dir}</c> stands for nginx's directory.</param>
    /// <param name="writable">Makes <c>www</c> writable by the worker processes (for PUT).</param>
    public static async Task<NginxServer> StartAsync(string root, string serverDirectives = "", bool writable = false)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/sbin").Append("/usr/local/sbin")
            .Select(d => Path.Combine(d, "nginx")).FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Assert.Ignore("nginx is not installed (not on PATH nor in /usr/sbin); install the Debian package nginx-light, as .ci/run does, to run the nginx interop tests.");
        }

        var directory = Path.Combine(root, "nginx");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "www"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "tmp"));
        foreach (var d in new[] { root, directory, Path.Combine(directory, "www") })
        {
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        }

        if (writable)
        {
            File.SetUnixFileMode(Path.Combine(directory, "www"), (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(Path.Combine(directory, "tmp"), (UnixFileMode)0b111_111_111);
        }

        var port = ServerProcess.FreeLoopbackPort();
        var config = $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log;
            events { worker_connections 64; }
            http {
                access_log {{directory}}/access.log;
                log_format requests '$request_method $uri $status $request_length $body_bytes_sent "$http_user_agent"';
                client_body_temp_path {{directory}}/tmp/body;
                proxy_temp_path {{directory}}/tmp/proxy;
                fastcgi_temp_path {{directory}}/tmp/fastcgi;
                uwsgi_temp_path {{directory}}/tmp/uwsgi;
                scgi_temp_path {{directory}}/tmp/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{directory}}/www;
                    {{serverDirectives.Replace("{dir}", directory, StringComparison.Ordinal)}}
                }
            }
            """;
        var configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add(directory);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(configPath);
        info.ArgumentList.Add("-e");
        info.ArgumentList.Add(Path.Combine(directory, "error.log"));
        var process = await ServerProcess.StartListeningAsync(info, port, "nginx", stopped => stopped.StandardError.ReadToEndAsync());
        return new NginxServer(process, directory, port);
    }

    public ValueTask DisposeAsync() => ServerProcess.StopAsync(_process);
}
