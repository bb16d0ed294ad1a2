using System.CommandLine;
using System.Globalization;
using System.Text;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Registry;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi resolve (--tag T | --hash H) [--registry URL] [--https] [--dev]</c>: asks the image registry about an image.
/// This is the definition (arguments and options) with its action.
/// </summary>
internal sealed class ResolveCommand : Command
{
    public ResolveCommand()
        : base("resolve", "Ask the Golem image registry (GET /v1/image/info) for an image by tag or hash and print its hash, size, link and task package.")
    {
        foreach (var option in (Option[])[Tag, Hash, Registry, Https, Dev, Json])
        {
            Options.Add(option);
        }

        Action = new ResolveAction(this);
    }

    public Option<string> Tag { get; } = new("--tag") { Description = "The image tag, user/repository:tag (for example golem/alpine:latest)." };

    public Option<string> Hash { get; } = new("--hash") { Description = "The image hash (56 hexadecimal characters)." };

    public Option<string> Registry { get; } = new("--registry")
    {
        Description = "The registry base address.",
        DefaultValueFactory = _ => ImageRegistryOptions.DefaultBaseAddress,
    };

    public Option<bool> Https { get; } = new("--https") { Description = "Use the registry's https download link instead of the http one." };

    public Option<bool> Dev { get; } = new("--dev") { Description = "Send dev=true (not counted in the registry's statistics) instead of count=true." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text." };

    public static Command Create() => new ResolveCommand();

    /// <summary>The query the command line asks for: exactly one of --tag and --hash; a usage error otherwise.</summary>
    public ImageQuery ReadQuery(ParseResult parseResult)
    {
        var tag = parseResult.GetValue(Tag);
        var hash = parseResult.GetValue(Hash);
        if ((tag is null) == (hash is null))
        {
            throw new UsageException(ErrorText.TagAndHash);
        }

        var query = tag is not null ? ImageQuery.ByTag(tag) : ImageQuery.ByHash(ParseHash(hash!));
        return query with { UseHttps = parseResult.GetValue(Https), DevMode = parseResult.GetValue(Dev) };
    }

    /// <summary>The registry's address from --registry; a usage error when it is not an absolute URL.</summary>
    public Uri ReadRegistry(ParseResult parseResult)
    {
        var text = parseResult.GetRequiredValue(Registry);
        return Uri.TryCreate(text, UriKind.Absolute, out var address) ? address : throw new UsageException(ErrorText.NotAbsoluteUrl(text));
    }

    /// <summary>What resolve prints: text or, with --json, one JSON document.</summary>
    public string Format(ParseResult parseResult, Uri requestUri, ResolvedImage resolved)
    {
        if (parseResult.GetValue(Json))
        {
            return ToJson(requestUri, resolved) + "\n";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Registry:     {requestUri}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Image hash:   {resolved.ImageHash}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Size:         {ByteSize.Format(resolved.SizeInBytes)} ({resolved.SizeInBytes} bytes)");
        text.AppendLine(CultureInfo.InvariantCulture, $"http link:    {resolved.HttpUrl?.OriginalString ?? "(none)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"https link:   {resolved.HttpsUrl?.OriginalString ?? "(none)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Task package: {resolved.Package.TaskPackage}");
        return text.ToString();
    }

    private static ImageHash ParseHash(string text)
    {
        try
        {
            return ImageHash.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException(ErrorText.NotImageHash(text, ex.Message));
        }
    }

    /// <summary>Runs <c>gvmi resolve</c>.</summary>
    private sealed class ResolveAction(ResolveCommand command) : GvmiAction
    {
        protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var query = command.ReadQuery(parseResult);
            var baseAddress = command.ReadRegistry(parseResult);
            using var client = HttpClients.Create(timeout: TimeSpan.FromSeconds(100));
            var registry = HttpImageRegistry.Create(client, new ImageRegistryOptions { BaseAddress = baseAddress });
            var resolved = await registry.ResolveAsync(query, cancellationToken).ConfigureAwait(false);
            await Output(parseResult).WriteAsync(command.Format(parseResult, registry.GetRequestUri(query), resolved)).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static string ToJson(Uri requestUri, ResolvedImage resolved) => CliJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("registry", requestUri.AbsoluteUri);
        writer.WriteString("imageHash", resolved.ImageHash.ToString());
        writer.WriteNumber("size", resolved.SizeInBytes);
        writer.WriteString("httpUrl", resolved.HttpUrl?.OriginalString);
        writer.WriteString("httpsUrl", resolved.HttpsUrl?.OriginalString);
        writer.WriteString("taskPackage", resolved.Package.TaskPackage.ToString());
        writer.WriteEndObject();
    });
}
