using System.CommandLine;
using System.Globalization;
using System.Text;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Registry;

namespace Golem.VmImages.Cli.Commands;

/// <summary><c>gvmi resolve (--tag T | --hash H) [--registry URL] [--https] [--dev]</c>: asks the image registry about an image.</summary>
internal static class ResolveCommand
{
    public static Command Create()
    {
        var tag = new Option<string>("--tag") { Description = "The image tag, user/repository:tag (for example golem/alpine:latest)." };
        var hash = new Option<string>("--hash") { Description = "The image hash (56 hexadecimal characters)." };
        var registry = new Option<string>("--registry")
        {
            Description = "The registry base address.",
            DefaultValueFactory = _ => ImageRegistryOptions.DefaultBaseAddress,
        };
        var https = new Option<bool>("--https") { Description = "Use the registry's https download link instead of the http one." };
        var dev = new Option<bool>("--dev") { Description = "Send dev=true (not counted in the registry's statistics) instead of count=true." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text." };
        var command = new Command("resolve", "Ask the Golem image registry (GET /v1/image/info) for an image by tag or hash and print its hash, size, link and task package.")
        {
            tag, hash, registry, https, dev, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var tagValue = parseResult.GetValue(tag);
            var hashValue = parseResult.GetValue(hash);
            if ((tagValue is null) == (hashValue is null))
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.TagAndHash).ConfigureAwait(false);
            }

            ImageQuery query;
            Uri? baseAddress;
            try
            {
                if (tagValue is not null)
                {
                    query = ImageQuery.ByTag(tagValue);
                }
                else
                {
                    try
                    {
                        query = ImageQuery.ByHash(ImageHash.Parse(hashValue!));
                    }
                    catch (FormatException ex)
                    {
                        throw new ArgumentException(ErrorText.NotImageHash(hashValue!, ex.Message), ex);
                    }
                }

                query = query with { UseHttps = parseResult.GetValue(https), DevMode = parseResult.GetValue(dev) };
                var registryText = parseResult.GetRequiredValue(registry);
                if (!Uri.TryCreate(registryText, UriKind.Absolute, out baseAddress))
                {
                    throw new ArgumentException(ErrorText.NotAbsoluteUrl(registryText));
                }
            }
            catch (ArgumentException ex)
            {
                return await CliInvocation.UsageErrorAsync(parseResult, ErrorText.Describe(ex)).ConfigureAwait(false);
            }

            try
            {
                using var client = HttpClients.Create(timeout: TimeSpan.FromSeconds(100));
                var imageRegistry = HttpImageRegistry.Create(client, new ImageRegistryOptions { BaseAddress = baseAddress });
                var resolved = await imageRegistry.ResolveAsync(query, cancellationToken).ConfigureAwait(false);
                if (parseResult.GetValue(json))
                {
                    await parseResult.InvocationConfiguration.Output.WriteLineAsync(ToJson(imageRegistry.GetRequestUri(query), resolved)).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                var text = new StringBuilder();
                text.AppendLine(CultureInfo.InvariantCulture, $"Registry:     {imageRegistry.GetRequestUri(query)}");
                text.AppendLine(CultureInfo.InvariantCulture, $"Image hash:   {resolved.ImageHash}");
                text.AppendLine(CultureInfo.InvariantCulture, $"Size:         {ByteSize.Format(resolved.SizeInBytes)} ({resolved.SizeInBytes} bytes)");
                text.AppendLine(CultureInfo.InvariantCulture, $"http link:    {resolved.HttpUrl?.OriginalString ?? "(none)"}");
                text.AppendLine(CultureInfo.InvariantCulture, $"https link:   {resolved.HttpsUrl?.OriginalString ?? "(none)"}");
                text.AppendLine(CultureInfo.InvariantCulture, $"Task package: {resolved.Package.TaskPackage}");
                await parseResult.InvocationConfiguration.Output.WriteAsync(text.ToString()).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (ImageRegistryException ex) when (!cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"gvmi resolve: {TerminalText.Escape(ex.Message)}").ConfigureAwait(false);
                return ExitCodes.Of(ex);
            }
        });
        return command;
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
