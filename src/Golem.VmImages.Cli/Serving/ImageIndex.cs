using System.Net;
using System.Text;

namespace Golem.VmImages.Cli.Serving;

/// <summary>The index <c>gvmi serve</c> shows at <c>/</c>: each image's size, hash and ready-to-use task-package string.</summary>
internal static class ImageIndex
{
    public static string ToJson(IEnumerable<ServedImage> images, Uri baseAddress)
    {
        return CliJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("images");
            foreach (var image in images)
            {
                writer.WriteStartObject();
                writer.WriteString("name", image.Name);
                writer.WriteString("url", UrlOf(image, baseAddress).AbsoluteUri);
                writer.WriteNumber("size", image.Length);
                writer.WriteString("sha3_224", image.Hash.ToString());
                writer.WriteString("task_package", TaskPackageOf(image, baseAddress));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    public static string ToHtml(IEnumerable<ServedImage> images, Uri baseAddress)
    {
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>gvmi serve</title></head><body>\n")
            .Append("<h1>Golem VM images</h1>\n<table>\n<tr><th>image</th><th>size (bytes)</th><th>SHA3-224</th><th>task package</th></tr>\n");
        foreach (var image in images)
        {
            var url = UrlOf(image, baseAddress).AbsoluteUri;
            html.Append("<tr><td><a href=\"").Append(WebUtility.HtmlEncode(url)).Append("\">").Append(WebUtility.HtmlEncode(image.Name))
                .Append("</a></td><td>").Append(image.Length)
                .Append("</td><td><code>").Append(image.Hash)
                .Append("</code></td><td><code>").Append(WebUtility.HtmlEncode(TaskPackageOf(image, baseAddress)))
                .Append("</code></td></tr>\n");
        }

        return html.Append("</table>\n<p>JSON: <code>/?format=json</code></p>\n</body></html>\n").ToString();
    }

    /// <summary>The task-package string a served image is advertised under, in the index and in <c>gvmi serve</c>'s start-up listing.</summary>
    public static string TaskPackageOf(ServedImage image, Uri baseAddress) =>
        new TaskPackage(image.Hash, UrlOf(image, baseAddress)).ToString();

    private static Uri UrlOf(ServedImage image, Uri baseAddress) => new(baseAddress, Uri.EscapeDataString(image.Name));
}
