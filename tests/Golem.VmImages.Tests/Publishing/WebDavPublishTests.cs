using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Golem.VmImages.Cli.Commands;
using Golem.VmImages.Publishing;
using Golem.VmImages.Tests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Publishing;

/// <summary><c>gvmi publish</c> to a real nginx with the dav module and basic auth, and to servers that misbehave.</summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WebDavPublishTests
{
    private const string User = "publisher";
    private const string Password = "pw-Zq81-never-printed";

    private static readonly string DavDirectives = """
        client_max_body_size 0;
        location / {
            dav_methods PUT DELETE MOVE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            limit_except GET HEAD { auth_basic "publish"; auth_basic_user_file {dir}/htpasswd; }
        }
        """;

    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("gvmi-publish-dav-").FullName;
        Environment.SetEnvironmentVariable(HttpPublishTarget.UserVariable, User);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, Password);
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable(HttpPublishTarget.UserVariable, null);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, null);
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task Publish_ToNginxDav_ThenFetchOfThePrintedTaskPackage_GivesTheSameHash()
    {
        await using var nginx = await StartDavAsync();
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 6 << 20, seed: 11);

        var (code, output, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", nginx.Url("images/").AbsoluteUri, "--json", "--verify");

        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var hash = await ImageHasher.HashFileAsync(image);
        Assert.That(json.RootElement.GetProperty("imageHash").GetString(), Is.EqualTo(hash.ToString()));
        Assert.That(json.RootElement.GetProperty("url").GetString(), Is.EqualTo(nginx.Url($"images/{hash}.gvmi").AbsoluteUri));
        Assert.That(json.RootElement.GetProperty("verified").GetBoolean(), Is.True);
        Assert.That(json.RootElement.GetProperty("javascript").GetString(), Does.Contain($"imageHash: \"{hash}\""));
        Assert.That(json.RootElement.GetProperty("python").GetString(), Does.Contain("vm.repo("));
        Assert.That(output + error, Does.Not.Contain(Password));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath("images")), Is.EqualTo(new[] { hash + ".gvmi" }), "no staging file is left");

        var fetched = Path.Combine(_root, "fetched.gvmi");
        var fetch = await CliRunner.RunAsync(FetchCommand.Create(), "fetch", json.RootElement.GetProperty("taskPackage").GetString()!, "-o", fetched);
        Assert.That(fetch.ExitCode, Is.EqualTo(0), fetch.Error);
        Assert.That(await ImageHasher.HashFileAsync(fetched), Is.EqualTo(hash));
        Assert.That(nginx.AccessLog(), Has.Some.Contains("\"MOVE /images/.gvmi-upload-"));
    }

    [Test]
    public async Task Publish_SameImageAgain_IsANoOp_AndADifferentImageAtTheKeyIsRefused()
    {
        await using var nginx = await StartDavAsync();
        var one = await PublishTestImages.WriteAsync(_root, "one.gvmi", 1 << 20, seed: 12);
        var two = await PublishTestImages.WriteAsync(_root, "two.gvmi", 1 << 20, seed: 13);
        var to = nginx.BaseUrl.AbsoluteUri;
        Assert.That((await CliRunner.RunAsync(PublishCommand.Create(), "publish", one, "--to", to, "--key", "latest.gvmi")).ExitCode, Is.EqualTo(0));

        var again = await CliRunner.RunAsync(PublishCommand.Create(), "publish", one, "--to", to, "--key", "latest.gvmi");
        var other = await CliRunner.RunAsync(PublishCommand.Create(), "publish", two, "--to", to, "--key", "latest.gvmi");

        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(again.Output, Does.Contain("already published"));
        Assert.That(other.ExitCode, Is.EqualTo(8));
        Assert.That(other.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(other.Error, Does.Contain("already holds a different object at 'latest.gvmi'"));
        Assert.That(await File.ReadAllBytesAsync(nginx.FilePath("latest.gvmi")), Is.EqualTo(await File.ReadAllBytesAsync(one)));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath(string.Empty)), Is.EqualTo(new[] { "latest.gvmi" }));
    }

    [Test]
    public async Task Publish_WrongPassword_FailsWith401AndNeverPrintsThePassword()
    {
        await using var nginx = await StartDavAsync();
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 14);
        Environment.SetEnvironmentVariable(HttpPublishTarget.PasswordVariable, "wrong-Kx7-secret");

        var (code, output, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", nginx.BaseUrl.AbsoluteUri);

        Assert.That(code, Is.EqualTo(7));
        Assert.That(error, Does.Contain("401"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(output + error, Does.Not.Contain("wrong-Kx7-secret"));
        Assert.That(PublishTestImages.FilesUnder(nginx.FilePath(string.Empty)), Is.Empty);
    }

    [Test]
    public async Task Publish_TargetThatAccepts200ButServesSomethingElse_FailsWithNotPublic()
    {
        var stored = new Dictionary<string, byte[]>();
        await using var server = await LoopbackServer.StartAsync(app => app.Run(async context => await FakeDavAsync(context, stored)));
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 16);

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", server.BaseAddress.AbsoluteUri);

        Assert.That(code, Is.EqualTo(9));
        Assert.That(error, Does.Contain("serves something else"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Publish_UnreachableEndpoint_FailsWithOneLineAndNetworkExitCode()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 20, seed: 17);

        var (code, _, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", $"http://127.0.0.1:{port}/images/");

        Assert.That(code, Is.EqualTo(5));
        Assert.That(error, Does.StartWith("gvmi publish: Could not reach http://127.0.0.1:"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Publish_CredentialsInTheUrl_AreRefusedWithoutEchoingThem()
    {
        var image = await PublishTestImages.WriteAsync(_root, "app.gvmi", 1 << 10, seed: 18);

        var (code, output, error) = await CliRunner.RunAsync(PublishCommand.Create(), "publish", image, "--to", "https://bob:hunter2-secret@127.0.0.1:9/x/");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("carries credentials"));
        Assert.That(output + error, Does.Not.Contain("hunter2-secret"));
    }

    [Test]
    public void HttpPublishTarget_CredentialsOverPlainHttpToARemoteHost_AreRefused()
    {
        using var http = new HttpClient();
        var ex = Assert.Throws<ArgumentException>(() => new HttpPublishTarget(http, new Uri("http://dav.example.org/images/"), new NetworkCredential("u", "p")));
        Assert.That(ex!.Message, Does.Contain("clear text"));
    }

    /// <summary>Accepts PUT and MOVE like a WebDAV server, but serves different bytes of the same length.</summary>
    private static async Task FakeDavAsync(HttpContext context, Dictionary<string, byte[]> stored)
    {
        var path = context.Request.Path.Value!;
        switch (context.Request.Method)
        {
            case "PUT":
                using (var body = new MemoryStream())
                {
                    await context.Request.Body.CopyToAsync(body);
                    stored[path] = body.ToArray();
                }

                context.Response.StatusCode = 201;
                return;
            case "MOVE":
                var destination = new Uri(context.Request.Headers["Destination"].ToString()).AbsolutePath;
                stored[destination] = stored[path];
                stored.Remove(path);
                context.Response.StatusCode = 201;
                return;
            case "DELETE":
                stored.Remove(path);
                context.Response.StatusCode = 204;
                return;
        }

        if (!stored.TryGetValue(path, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var served = new byte[content.Length];
        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.ContentLength = served.Length;
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.Range.Count > 0)
        {
            var from = long.Parse(context.Request.Headers.Range.ToString()["bytes=".Length..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = 206;
            context.Response.ContentLength = served.Length - from;
            await context.Response.Body.WriteAsync(served.AsMemory((int)from));
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(served);
        }
    }

    private async Task<NginxServer> StartDavAsync(string? directives = null)
    {
        var nginx = await NginxServer.StartAsync(_root, directives ?? DavDirectives, writable: true);
        await File.WriteAllTextAsync(Path.Combine(nginx.Directory, "htpasswd"), $"{User}:{{PLAIN}}{Password}\n");
        return nginx;
    }
}
