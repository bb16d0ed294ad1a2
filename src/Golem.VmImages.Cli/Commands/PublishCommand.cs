using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Publishing;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi publish FILE.gvmi --to TARGET</c>: uploads an image to storage the user controls (a directory, an HTTP
/// PUT/WebDAV server, S3-compatible storage), checks it as a provider would download it, and prints what requestors paste.
/// </summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The .gvmi image to publish." };
        var to = new Option<string>("--to")
        {
            Description = "Where to publish: a directory, an http(s) WebDAV URL (PUT and MOVE; basic auth from GVMI_PUBLISH_USER/GVMI_PUBLISH_PASSWORD or ~/.netrc), or s3://BUCKET[/PREFIX].",
            Required = true,
        };
        var key = new Option<string?>("--key") { Description = "The name to publish under, relative to the target (default: the content address <sha3-224>.gvmi)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a different object already at the key." };
        var publicBaseUrl = new Option<string?>("--public-base-url") { Description = "The URL the target is served at publicly, when it differs from the upload address (R2, CDNs, a directory behind a web server)." };
        var verify = new Option<bool>("--verify") { Description = "Download the image again from its public URL and check its hash." };
        var noValidate = new Option<bool>("--no-validate") { Description = "Skip the check of the .gvmi trailer (length field, CRC, JSON)." };
        var noCheck = new Option<bool>("--no-check") { Description = "Skip the anonymous check of the public URL (200, length, Accept-Ranges: bytes, the last bytes), e.g. when the server is not up yet." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text." };
        var s3 = S3Options.Create();
        var command = new Command("publish", "Upload a .gvmi image where you choose (directory, WebDAV, S3), check that providers can download it, and print its task package and C#/Python/JavaScript snippets.")
        {
            file, to, key, overwrite, publicBaseUrl, verify, noValidate, noCheck, json,
        };
        s3.AddTo(command);
        var progress = new ProgressOptions();
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(file).FullName;
            if (await ImageFileInput.RefuseSpecialFileAsync(stderr, "publish", path).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            Uri? publicBase = null;
            if (parseResult.GetValue(publicBaseUrl) is { } baseText
                && (!Uri.TryCreate(baseText, UriKind.Absolute, out publicBase) || publicBase.Scheme is not ("http" or "https")))
            {
                await stderr.WriteLineAsync("gvmi publish: --public-base-url: " + ErrorText.NotAbsoluteUrl(baseText)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = new ImagePublishOptions
            {
                Key = parseResult.GetValue(key),
                Overwrite = parseResult.GetValue(overwrite),
                Verify = parseResult.GetValue(verify),
                ValidateImage = !parseResult.GetValue(noValidate),
                CheckPublicUrl = !parseResult.GetValue(noCheck),
            };
            using var uploads = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
            using var anonymous = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30), Credentials = null }) { Timeout = TimeSpan.FromMinutes(2) };
            IImagePublishTarget target;
            try
            {
                target = CreateTarget(parseResult.GetRequiredValue(to), publicBase, uploads, parseResult, s3);
                if (options.Key is not null)
                {
                    target.GetPublicUrl(options.Key);
                }
            }
            catch (ArgumentException ex)
            {
                await stderr.WriteLineAsync("gvmi publish: " + FirstLine(ex.Message)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using var disposable = target as IDisposable;
            using var fetcher = options.Verify ? new ImageFetcher(new ImageFetcherOptions()) : null;
            var publisher = new ImagePublisher(anonymous, fetcher);
            var length = File.Exists(path) ? new FileInfo(path).Length : 0;
            PublishedImage published;
            var display = ProgressDisplay.Start(stderr, "Publishing", length, progress.Read(parseResult), cancellationToken);
            await using (display.ConfigureAwait(false))
            {
                options.Progress = display.ForFile();
                try
                {
                    published = await publisher.PublishAsync(path, target, options, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await stderr.WriteLineAsync("gvmi publish: cancelled; nothing was published and the partial upload was removed.").ConfigureAwait(false);
                    return ExitCodes.Canceled;
                }
                catch (Exception ex) when (IsPublishFailure(ex))
                {
                    await stderr.WriteLineAsync("gvmi publish: " + FirstLine(ex.Message)).ConfigureAwait(false);
                    return ExitCodeOf(ex);
                }
            }

            if (published.PublicUrl.IsFile)
            {
                await stderr.WriteLineAsync("gvmi publish: note: without --public-base-url the URL is a file: URL that only this machine can read; give the URL the directory is served at.").ConfigureAwait(false);
            }

            await stdout.WriteAsync(parseResult.GetValue(json) ? FormatJson(published, path) : FormatText(published)).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static IImagePublishTarget CreateTarget(string to, Uri? publicBase, HttpClient uploads, ParseResult parseResult, S3Options s3)
    {
        if (to.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return s3.CreateTarget(to, publicBase, parseResult);
        }

        s3.RejectIfGiven(parseResult);
        if (to.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || to.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(to, UriKind.Absolute, out var url))
            {
                throw new ArgumentException(ErrorText.NotAbsoluteUrl(to));
            }

            var credential = string.IsNullOrEmpty(url.UserInfo) ? HttpPublishTarget.FindCredential(url) : null;
            return new HttpPublishTarget(uploads, url, credential, publicBase);
        }

        var directory = to.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(to, UriKind.Absolute, out var fileUrl) ? fileUrl.LocalPath : to;
        return new LocalDirectoryPublishTarget(directory, publicBase);
    }

    private static bool IsPublishFailure(Exception ex) =>
        ex is ImagePublishException or GvmiFormatException or IOException or UnauthorizedAccessException or ArgumentException
            || S3Options.IsStorageFailure(ex);

    private static int ExitCodeOf(Exception ex) => ex switch
    {
        ImageKeyConflictException => ExitCodes.Conflict,
        ImageNotPubliclyReadableException => ExitCodes.NotPublic,
        ImagePublishException { InnerException: ImageHashMismatchException } => ExitCodes.Mismatch,
        ImagePublishException { StatusCode: HttpStatusCode.NotFound } => ExitCodes.NotFound,
        ImagePublishException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => ExitCodes.Unauthorized,
        ImagePublishException { StatusCode: null or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => ExitCodes.Network,
        FileNotFoundException or DirectoryNotFoundException => ExitCodes.NotFound,
        ArgumentException => ExitCodes.Usage,
        _ when S3Options.IsStorageFailure(ex) => S3Options.ExitCodeOf(ex),
        _ => ExitCodes.Failure,
    };

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static string FormatText(PublishedImage published)
    {
        var package = published.ToImagePackage();
        var text = new StringBuilder();
        var status = published.Outcome switch
        {
            PublishOutcome.AlreadyPublished => "already published (same length and hash); nothing changed",
            PublishOutcome.Replaced => "uploaded, replacing a different object",
            _ => "uploaded",
        };
        text.AppendLine(CultureInfo.InvariantCulture, $"Published:    {status}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Image hash:   {published.ImageHash}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Size:         {published.Length} bytes");
        text.AppendLine(CultureInfo.InvariantCulture, $"Key:          {published.Key}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Public URL:   {published.PublicUrl.OriginalString}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Task package: {published.TaskPackage}");
        if (published.Verified)
        {
            text.AppendLine("Verified:     downloaded again from the public URL; the hash matches");
        }

        text.AppendLine();
        text.AppendLine("C# (Golem.VmImages):");
        text.Append(PackageCommand.CSharpSnippet(package));
        text.AppendLine();
        text.AppendLine("Python (yapapi):");
        text.Append(PackageCommand.PythonSnippet(package));
        text.AppendLine();
        text.AppendLine("JavaScript (golem-js, the order's demand workload):");
        text.Append(JavaScriptSnippet(published));
        return text.ToString();
    }

    private static string FormatJson(PublishedImage published, string path)
    {
        var package = published.ToImagePackage();
        return CliJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("file", path);
            writer.WriteString("imageHash", published.ImageHash.ToString());
            writer.WriteNumber("length", published.Length);
            writer.WriteString("key", published.Key);
            writer.WriteString("url", published.PublicUrl.OriginalString);
            writer.WriteString("taskPackage", published.TaskPackage.ToString());
            writer.WriteString("outcome", published.Outcome switch
            {
                PublishOutcome.AlreadyPublished => "already-published",
                PublishOutcome.Replaced => "replaced",
                _ => "uploaded",
            });
            writer.WriteBoolean("verified", published.Verified);
            writer.WriteString("csharp", PackageCommand.CSharpSnippet(package));
            writer.WriteString("python", PackageCommand.PythonSnippet(package));
            writer.WriteString("javascript", JavaScriptSnippet(published));
            writer.WriteEndObject();
        }) + Environment.NewLine;
    }

    private static string JavaScriptSnippet(PublishedImage published)
    {
        var text = new StringBuilder();
        text.AppendLine("workload: {");
        text.AppendLine(CultureInfo.InvariantCulture, $"  imageUrl: {CliJson.Quote(published.PublicUrl.OriginalString)},");
        text.AppendLine(CultureInfo.InvariantCulture, $"  imageHash: \"{published.ImageHash}\",");
        text.AppendLine("},");
        return text.ToString();
    }
}
