using System.CommandLine;
using System.Globalization;
using System.Text;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Cli.Snippets;
using Golem.VmImages.Fetching;
using Golem.VmImages.Publishing;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi publish FILE.gvmi --to TARGET</c>: uploads an image to storage the user controls (a directory, an HTTP
/// PUT/WebDAV server, S3-compatible storage), checks it as a provider would download it, and prints what requestors paste;
/// <see cref="PublishAction"/> runs it.
/// </summary>
internal sealed class PublishCommand : Command
{
    public PublishCommand()
        : base("publish", "Upload a .gvmi image where you choose (directory, WebDAV, S3), check that providers can download it, and print its task package and C#/Python/JavaScript snippets.")
    {
        Arguments.Add(Image);
        foreach (var option in (Option[])[To, Key, ImageHashOption, Overwrite, PublicBaseUrl, Verify, NoValidate, NoCheck, Json])
        {
            Options.Add(option);
        }

        S3.AddTo(this);
        Progress.AddTo(this);
        Action = new PublishAction(this);
    }

    public Argument<FileInfo> Image { get; } = new("FILE") { Description = "The .gvmi image to publish." };

    public Option<string> To { get; } = new("--to")
    {
        Description = "Where to publish: a directory, an http(s) URL that takes PUT (WebDAV MOVE used where allowed; basic auth from GVMI_PUBLISH_USER/GVMI_PUBLISH_PASSWORD or ~/.netrc), or s3://BUCKET[/PREFIX].",
        Required = true,
    };

    public Option<string?> Key { get; } = new("--key") { Description = "The name to publish under, relative to the target (default: the content address <sha3-224>.gvmi)." };

    public Option<string?> ImageHashOption { get; } = new("--image-hash") { Description = "The image's SHA3-224 (56 hex digits) when already known: the target is checked without hashing the file first; an upload still checks the bytes against it." };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace a different object already at the key." };

    public Option<string?> PublicBaseUrl { get; } = new("--public-base-url") { Description = "The URL the target is served at publicly, when it differs from the upload address (R2, CDNs, a directory behind a web server)." };

    public Option<bool> Verify { get; } = new("--verify") { Description = "Download the image again from its public URL and check its hash." };

    public Option<bool> NoValidate { get; } = new("--no-validate") { Description = "Skip the check of the .gvmi trailer (length field, CRC, JSON)." };

    public Option<bool> NoCheck { get; } = new("--no-check") { Description = "Skip the anonymous check of the public URL (200, length, Accept-Ranges: bytes, the last bytes), e.g. when the server is not up yet." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text." };

    public S3Options S3 { get; } = S3Options.Create();

    public ProgressOptions Progress { get; } = new();

    public static Command Create() => new PublishCommand();

    /// <summary>The publish options the command line asks for.</summary>
    public ImagePublishOptions ReadOptions(ParseResult parseResult) => new()
    {
        ImageHash = ReadImageHash(parseResult),
        Key = parseResult.GetValue(Key),
        Overwrite = parseResult.GetValue(Overwrite),
        Verify = parseResult.GetValue(Verify),
        ValidateImage = !parseResult.GetValue(NoValidate),
        CheckPublicUrl = !parseResult.GetValue(NoCheck),
        HashStore = new FileHashStore(FileHashStore.DefaultDirectory),
    };

    private ImageHash? ReadImageHash(ParseResult parseResult)
    {
        if (parseResult.GetValue(ImageHashOption) is not { } text)
        {
            return null;
        }

        try
        {
            return ImageHash.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException("--image-hash: " + ex.Message);
        }
    }

    /// <summary>The target --to names (with the S3 options for s3://), checked before any upload (exit code 2).</summary>
    public IImagePublishTarget ReadTarget(ParseResult parseResult, HttpClient uploads, string? key)
    {
        Uri? publicBase = null;
        if (parseResult.GetValue(PublicBaseUrl) is { } baseText
            && (!Uri.TryCreate(baseText, UriKind.Absolute, out publicBase) || publicBase.Scheme is not ("http" or "https")))
        {
            throw new UsageException("--public-base-url: " + ErrorText.NotAbsoluteUrl(baseText));
        }

        var target = CreateTarget(parseResult.GetRequiredValue(To), publicBase, uploads, parseResult, S3);
        if (key is not null)
        {
            target.GetPublicUrl(key);
        }

        return target;
    }

    /// <summary>Runs <c>gvmi publish</c>: builds the target, publishes with progress, prints the result and snippets.</summary>
    private sealed class PublishAction(PublishCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var file = parseResult.GetRequiredValue(command.Image);
            var options = command.ReadOptions(parseResult);
            using var uploads = HttpClients.Create();
            using var anonymous = HttpClients.Create(sendCredentials: false, timeout: TimeSpan.FromMinutes(2));
            var target = command.ReadTarget(parseResult, uploads, options.Key);
            using var disposable = target as IDisposable;
            ImageFileInput.Require(file.ToString());
            using var fetcher = options.Verify ? new ImageFetcher(new ImageFetcherOptions()) : null;
            PublishedImage published;
            var display = ProgressDisplay.Start(Error(parseResult), "Publishing", file.Length, command.Progress.Read(parseResult), cancellationToken);
            await using (display.ConfigureAwait(false))
            {
                options.Progress = display.ForFile();
                published = await PublishAsync(new ImagePublisher(anonymous, fetcher), file.FullName, target, options, parseResult.GetRequiredValue(command.To), cancellationToken).ConfigureAwait(false);
            }

            if (published.PublicUrl.IsFile)
            {
                await Error(parseResult).WriteLineAsync(Note(parseResult, "note: without --public-base-url the URL is a file: URL that only this machine can read; give the URL the directory is served at.")).ConfigureAwait(false);
            }

            await Output(parseResult).WriteAsync(parseResult.GetValue(command.Json) ? FormatJson(published, file.FullName) : FormatText(published)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        /// <summary>Publishes; a full or unwritable directory target is reported with the path the user gave.</summary>
        private static async Task<PublishedImage> PublishAsync(ImagePublisher publisher, string path, IImagePublishTarget target, ImagePublishOptions options, string to, CancellationToken cancellationToken)
        {
            try
            {
                return await publisher.PublishAsync(path, target, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (target is LocalDirectoryPublishTarget && ex is not OperationCanceledException && DiskException.For(to, ex) is { } disk)
            {
                throw disk;
            }
        }
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
                throw new UsageException(ErrorText.NotAbsoluteUrl(to));
            }

            var credential = string.IsNullOrEmpty(url.UserInfo) ? HttpPublishTarget.FindCredential(url) : null;
            return new HttpPublishTarget(uploads, url, credential, publicBase);
        }

        var directory = to.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(to, UriKind.Absolute, out var fileUrl) ? fileUrl.LocalPath : to;
        if (File.Exists(directory))
        {
            throw new UsageException(ErrorText.TargetIsAFile(to));
        }

        return new LocalDirectoryPublishTarget(directory, publicBase);
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
        text.Append(ImageSnippets.Labelled(package));
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
            writer.WriteString("csharp", ImageSnippets.CSharp(package));
            writer.WriteString("python", ImageSnippets.Python(package));
            writer.WriteString("javascript", ImageSnippets.JavaScript(package));
            writer.WriteEndObject();
        }) + Environment.NewLine;
    }
}
