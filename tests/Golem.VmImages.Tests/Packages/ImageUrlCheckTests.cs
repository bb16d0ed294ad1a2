using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Golem.VmImages.Tests.Packages;

public class ImageUrlCheckTests
{
    private static readonly ImageHash Hash = ImageHash.OfEmptyInput;

    [Test]
    public async Task CheckUrlAsync_ServedFile_ReportsOkLengthAndRanges()
    {
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapMethods("/image.gvmi", ["HEAD"], (HttpContext context) =>
            {
                context.Response.ContentLength = 1234;
                context.Response.Headers.AcceptRanges = "bytes";
                return Task.CompletedTask;
            });
            app.MapMethods("/moved", ["HEAD"], () => Results.Redirect("/image.gvmi"));
        });
        using var client = new HttpClient();
        var package = new ImagePackage(Hash, new Uri(server.BaseAddress, "/moved"));

        var check = await package.CheckUrlAsync(client);

        Assert.That(check.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(check.IsOk, Is.True);
        Assert.That(check.ContentLength, Is.EqualTo(1234));
        Assert.That(check.SupportsRanges, Is.True);
    }

    [Test]
    public async Task CheckUrlAsync_Missing_ReportsNotFound()
    {
        await using var server = await LoopbackServer.StartAsync(_ => { });
        using var client = new HttpClient();
        var package = new ImagePackage(Hash, new Uri(server.BaseAddress, "/nope.gvmi"));

        var check = await package.CheckUrlAsync(client);

        Assert.That(check.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(check.IsOk, Is.False);
        Assert.That(check.SupportsRanges, Is.False);
    }

    [Test]
    public async Task CheckUrlAsync_FileUrl_ChecksTheLocalFile()
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"check-{Guid.NewGuid():N}.gvmi");
        await File.WriteAllBytesAsync(path, new byte[1234]);
        using var client = new HttpClient();
        try
        {
            var present = await new ImagePackage(Hash, new Uri(new Uri(path).AbsoluteUri), allowFileUrl: true).CheckUrlAsync(client);
            var missing = await new ImagePackage(Hash, new Uri(new Uri(path + ".missing").AbsoluteUri), allowFileUrl: true).CheckUrlAsync(client);

            Assert.That((present.IsOk, present.ContentLength, present.SupportsRanges), Is.EqualTo((true, (long?)1234, true)));
            Assert.That((missing.StatusCode, missing.ContentLength), Is.EqualTo((HttpStatusCode.NotFound, (long?)null)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void CheckUrlAsync_NullClient_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new ImagePackage(Hash, new Uri("http://127.0.0.1/x")).CheckUrlAsync(null!));
    }
}
