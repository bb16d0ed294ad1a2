using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Golem.VmImages.Cli.Snippets;

namespace Golem.VmImages.Cli.Serving;

/// <summary>
/// The index <c>gvmi serve</c> shows at <c>/</c>: each image's size, hash, task package and copy-ready C#, Python and
/// JavaScript lines, as HTML (copy buttons added by a small inline script) or as JSON. Every URL in it is built
/// from the advertised base address, never from the request.
/// </summary>
internal static class ImageIndex
{
    /// <summary>The page's only script: adds a Copy button to every snippet (clipboard API, or a selection outside secure contexts).</summary>
    private const string Script = """
        function copyText(text) {
          if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return copyBySelection(text); });
          }
          return Promise.resolve(copyBySelection(text));
        }
        function copyBySelection(text) {
          var area = document.createElement('textarea');
          area.value = text;
          area.setAttribute('readonly', '');
          area.style.position = 'fixed';
          area.style.opacity = '0';
          document.body.appendChild(area);
          area.select();
          var copied = false;
          try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
          document.body.removeChild(area);
          return copied;
        }
        document.querySelectorAll('.snippet').forEach(function (snippet) {
          var code = snippet.querySelector('code');
          var button = document.createElement('button');
          button.type = 'button';
          button.className = 'copy';
          button.textContent = 'Copy';
          button.setAttribute('aria-label', 'Copy ' + snippet.dataset.label);
          button.addEventListener('click', function () {
            copyText(code.textContent).then(function (copied) {
              button.textContent = copied ? 'Copied' : 'Select and copy';
              setTimeout(function () { button.textContent = 'Copy'; }, 2000);
            });
          });
          snippet.querySelector('.label').appendChild(button);
        });
        """;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-bottom: .4rem; word-break: break-all; }
        section { border: 1px solid #d0d0d0; border-radius: 6px; padding: .4rem 1rem 1rem; margin: 1rem 0; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0 .8rem; }
        dt { font-weight: 600; } dd { margin: 0; word-break: break-all; }
        .snippet { margin: .5rem 0; } .label { font-size: .85rem; font-weight: 600; display: flex; gap: .6rem; align-items: center; }
        pre { background: #f4f4f4; padding: .5rem .7rem; border-radius: 4px; margin: .2rem 0; white-space: pre-wrap; word-break: break-all; }
        button.copy { font-size: .8rem; padding: .1rem .6rem; cursor: pointer; }
        """;

    /// <summary>The Content-Security-Policy of the HTML index: nothing but its own inline style and script.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Sha256Base64(Style)}'; script-src 'sha256-{Sha256Base64(Script)}'; base-uri 'none'; form-action 'none'";

    public static string ToJson(IReadOnlyList<ServedImage> images, Uri baseAddress)
    {
        return CliJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("baseUrl", baseAddress.AbsoluteUri);
            writer.WriteStartArray("images");
            foreach (var image in images)
            {
                var url = UrlOf(image, baseAddress);
                writer.WriteStartObject();
                writer.WriteString("name", image.Name);
                writer.WriteString("url", url.AbsoluteUri);
                writer.WriteNumber("size", image.Length);
                writer.WriteString("lastModified", image.LastModified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                writer.WriteString("hash", image.Hash.ToString());
                writer.WriteString("taskPackage", TaskPackageOf(image, baseAddress));
                writer.WriteStartObject("snippets");
                writer.WriteString("csharp", ImageSnippets.CSharp(PackageOf(image, url)));
                writer.WriteString("python", ImageSnippets.Python(PackageOf(image, url)));
                writer.WriteString("javascript", ImageSnippets.JavaScript(PackageOf(image, url)));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }) + "\n";
    }

    public static string ToHtml(IReadOnlyList<ServedImage> images, Uri baseAddress)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Golem VM images</title>\n<style>")
            .Append(Style).Append("</style></head>\n<body>\n<h1>Golem VM images</h1>\n<p>")
            .Append(images.Count.ToString(CultureInfo.InvariantCulture)).Append(images.Count == 1 ? " image" : " images")
            .Append(" served at <code>").Append(WebUtility.HtmlEncode(baseAddress.AbsoluteUri))
            .Append("</code>. The same list as JSON: <a href=\"?format=json\"><code>?format=json</code></a>.</p>\n");
        foreach (var image in images)
        {
            var url = UrlOf(image, baseAddress);
            html.Append("<section class=\"image\">\n<h2><a href=\"").Append(WebUtility.HtmlEncode(url.AbsoluteUri)).Append("\">")
                .Append(WebUtility.HtmlEncode(image.Name)).Append("</a></h2>\n<dl>")
                .Append("<dt>Size</dt><dd class=\"size\">").Append(image.Length.ToString("N0", CultureInfo.InvariantCulture)).Append(" bytes (")
                .Append(HumanSize(image.Length)).Append(")</dd>")
                .Append("<dt>SHA3-224</dt><dd><code class=\"hash\">").Append(image.Hash).Append("</code></dd>")
                .Append("<dt>Modified</dt><dd>").Append(image.LastModified.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append("</dd>")
                .Append("</dl>\n");
            AppendSnippet(html, "task-package", "Task package", TaskPackageOf(image, baseAddress));
            AppendSnippet(html, "csharp", "C# (Golem.VmImages)", ImageSnippets.CSharp(PackageOf(image, url)));
            AppendSnippet(html, "python", "Python (yapapi)", ImageSnippets.Python(PackageOf(image, url)));
            AppendSnippet(html, "javascript", "JavaScript (golem-js)", ImageSnippets.JavaScript(PackageOf(image, url)));
            html.Append("</section>\n");
        }

        return html.Append("<script>").Append(Script).Append("</script>\n</body></html>\n").ToString();
    }

    /// <summary>The task-package string a served image is advertised under, in the index and in <c>gvmi serve</c>'s start-up listing.</summary>
    public static string TaskPackageOf(ServedImage image, Uri baseAddress) =>
        new TaskPackage(image.Hash, UrlOf(image, baseAddress)).ToString();

    private static Uri UrlOf(ServedImage image, Uri baseAddress) => new(baseAddress, Uri.EscapeDataString(image.Name));

    /// <summary>The package the snippets show: the image at its served URL, with the default requirements.</summary>
    private static ImagePackage PackageOf(ServedImage image, Uri url) => new(image.Hash, new Uri(url.AbsoluteUri));

    private static void AppendSnippet(StringBuilder html, string kind, string label, string code) =>
        html.Append("<div class=\"snippet\" data-kind=\"").Append(kind).Append("\" data-label=\"").Append(WebUtility.HtmlEncode(label))
            .Append("\"><div class=\"label\">").Append(WebUtility.HtmlEncode(label)).Append("</div><pre><code>")
            .Append(WebUtility.HtmlEncode(code)).Append("</code></pre></div>\n");

    private static string HumanSize(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} bytes" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static string Sha256Base64(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
