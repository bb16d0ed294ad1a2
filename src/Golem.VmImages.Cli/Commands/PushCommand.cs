using System.CommandLine;
using System.Globalization;
using System.Text;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Registry;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi push FILE.gvmi [--tag USER/REPO[:TAG]] [--registry URL] [--user U] [--token-file F|-] [--chunk-size N]
/// [--workers N] [--allow-insecure] [--cache DIR] [--json]</c>: uploads an image to the Golem registry as gvmkit-build does.
/// </summary>
internal static class PushCommand
{
    /// <summary>The environment variable gvmkit-build reads the registry address from.</summary>
    public const string RegistryVariable = "REGISTRY_URL";

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The .gvmi image to push." };
        var tag = new Option<string?>("--tag", "-t") { Description = "Attach this tag, user/repository[:tag] (tag 'latest' when omitted); without it the push is anonymous, addressable by hash only." };
        var registry = new Option<string?>("--registry") { Description = $"The registry base address (default: ${RegistryVariable}, else {ImageRegistryOptions.DefaultBaseAddress})." };
        var user = new Option<string?>("--user") { Description = $"The registry user name for a tagged push (default: ${RegistryCredentials.UserNameVariable})." };
        var tokenFile = new Option<string?>("--token-file") { Description = $"Read the personal access token from this file, or from standard input with '-' (default: ${RegistryCredentials.TokenVariable}). It is never printed or stored." };
        var chunkSize = new Option<long?>("--chunk-size") { Description = "The upload chunk size in bytes (default: gvmkit-build's choice by image size, 2 to 100 MiB, so both tools name the upload alike)." };
        var workers = new Option<int>("--workers") { Description = "Chunks uploaded at the same time.", DefaultValueFactory = _ => new ImagePusherOptions().MaxParallelUploads };
        var retries = new Option<int>("--retries") { Description = "Retries of each request on transport errors, timeouts, 408, 429 and 5xx.", DefaultValueFactory = _ => new ImagePusherOptions().MaxRetryAttempts };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait, after the last chunk, for the registry to report the image complete.", DefaultValueFactory = _ => new ImagePusherOptions().CompletionTimeout.TotalSeconds };
        var allowInsecure = new Option<bool>("--allow-insecure") { Description = "Allow a tagged push (which sends the access token) to a plain http:// registry." };
        var https = new Option<bool>("--https") { Description = "Put the registry's https download link into the task package instead of the http one." };
        var noValidate = new Option<bool>("--no-validate") { Description = "Do not check the .gvmi trailer (CRC-32, container config) before pushing." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var cache = new Option<string?>("--cache") { Description = "Where descriptors are remembered, so pushing the same unchanged file again does not read it to hash it (default: the user's golem-vmimages cache)." };
        var command = new Command("push", "Upload an image to the Golem image registry, compatible with gvmkit-build: only the chunks the registry lacks, in parallel, with retries; a re-run resumes.")
        {
            file, tag, registry, user, tokenFile, chunkSize, workers, retries, wait, allowInsecure, https, noValidate, json, cache,
        };
        var progress = new ProgressOptions();
        progress.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(file);
            if (ImageFileInput.SpecialFileProblem(path, allowDirectory: false) is { } problem)
            {
                await error.WriteLineAsync($"gvmi push: {TerminalText.Escape(path)}: {problem}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var tagValue = parseResult.GetValue(tag);

            // The access token travels in request bodies: never follow a redirect with it.
            using var client = HttpClients.Create(followRedirects: false);
            ImagePusher pusher;
            ImagePushOptions pushOptions;
            try
            {
                var baseAddress = RegistryAddress(parseResult.GetValue(registry));
                pushOptions = new ImagePushOptions
                {
                    Tag = tagValue,
                    Credentials = tagValue is null ? null : await CredentialsAsync(parseResult.GetValue(user), parseResult.GetValue(tokenFile), cancellationToken).ConfigureAwait(false),
                    ChunkSize = parseResult.GetValue(chunkSize),
                    AllowInsecureHttp = parseResult.GetValue(allowInsecure),
                    ValidateImage = !parseResult.GetValue(noValidate),
                    UseHttps = parseResult.GetValue(https),
                };
                var seconds = parseResult.GetValue(wait);
                if (!double.IsFinite(seconds) || seconds < 0 || seconds > 3600)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--wait is {seconds}; expected a number of seconds from 0 to 3600."));
                }

                var options = new ImagePusherOptions
                {
                    MaxParallelUploads = parseResult.GetValue(workers),
                    MaxRetryAttempts = parseResult.GetValue(retries),
                    CompletionTimeout = TimeSpan.FromSeconds(seconds),
                    DescriptorCacheDirectory = parseResult.GetValue(cache) ?? Path.Combine(ImageFetcherOptions.DefaultCacheDirectory, "descriptors"),
                };
                pusher = ImagePusher.Create(client, new ImageRegistryOptions { BaseAddress = baseAddress }, options);
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync("gvmi push: " + ex.Message).ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (IOException ex)
            {
                await error.WriteLineAsync("gvmi push: " + ex.Message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var view = new PushProgressView(error, progress.Read(parseResult));
            pushOptions.Progress = view;
            try
            {
                var result = await pusher.PushAsync(path, pushOptions, cancellationToken).ConfigureAwait(false);
                await view.DisposeAsync().ConfigureAwait(false);
                await output.WriteAsync(parseResult.GetValue(json) ? ToJson(result, pusher.BaseAddress) + "\n" : ToText(result)).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                await view.DisposeAsync().ConfigureAwait(false);
                await error.WriteLineAsync("gvmi push: cancelled; the registry keeps the chunks it stored, so the same command resumes.").ConfigureAwait(false);
                return ExitCodes.Canceled;
            }
            catch (Exception ex) when (ex is ArgumentException or GvmiFormatException or IOException or UnauthorizedAccessException or ImageRegistryException)
            {
                await view.DisposeAsync().ConfigureAwait(false);
                await error.WriteLineAsync("gvmi push: " + Describe(ex, path)).ConfigureAwait(false);
                return ExitCodes.Of(ex);
            }
        });
        return command;
    }

    private static string Describe(Exception ex, string path) => ex switch
    {
        GvmiFormatException => string.Create(CultureInfo.InvariantCulture, $"'{path}' is not a valid .gvmi image: {ex.Message}"),
        ArgumentOutOfRangeException when ex.Message.Contains("chunk size", StringComparison.Ordinal) => ex.Message + " Pass --chunk-size.",
        _ => ex.Message,
    };

    private static Uri RegistryAddress(string? given)
    {
        var text = given ?? (Environment.GetEnvironmentVariable(RegistryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : ImageRegistryOptions.DefaultBaseAddress);
        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException(ErrorText.NotAbsoluteUrl(text));
        }

        return address;
    }

    /// <summary>The user from --user or REGISTRY_USER; the token from --token-file (or standard input) or REGISTRY_TOKEN.</summary>
    private static async Task<RegistryCredentials> CredentialsAsync(string? user, string? tokenFile, CancellationToken cancellationToken)
    {
        user ??= Environment.GetEnvironmentVariable(RegistryCredentials.UserNameVariable);
        string? token;
        if (tokenFile is null)
        {
            token = Environment.GetEnvironmentVariable(RegistryCredentials.TokenVariable);
        }
        else if (tokenFile == "-")
        {
            token = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            token = (await File.ReadAllTextAsync(tokenFile, cancellationToken).ConfigureAwait(false)).Split('\n')[0];
        }

        token = token?.Trim();
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(token))
        {
            throw new ArgumentException(string.IsNullOrEmpty(user) ? ErrorText.PushNoUser : ErrorText.PushNoToken);
        }

        return new RegistryCredentials(user, token);
    }

    private static string ToText(ImagePushResult result)
    {
        var descriptor = result.Descriptor;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Image hash:    {result.ImageHash}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Descriptor:    {descriptor.Sha256}{(result.DescriptorFromCache ? " (remembered: the file is unchanged since it was hashed)" : string.Empty)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Size:          {descriptor.Size} bytes, {descriptor.ChunkCount} chunk(s) of {descriptor.ChunkSize} bytes, {result.ChunksUploaded} uploaded now");
        text.AppendLine(CultureInfo.InvariantCulture, $"Tag:           {result.Tag ?? "(anonymous: by hash only)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Download URL:  {result.Package.ImageUrl.OriginalString}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Task package:  {result.Package.TaskPackage}");
        return text.ToString();
    }

    private static string ToJson(ImagePushResult result, Uri registry) => CliJson.Write(writer =>
    {
        var descriptor = result.Descriptor;
        writer.WriteStartObject();
        writer.WriteString("registry", registry.AbsoluteUri);
        writer.WriteString("imageHash", result.ImageHash.ToString());
        writer.WriteString("descriptorSha256", descriptor.Sha256);
        writer.WriteBoolean("descriptorFromCache", result.DescriptorFromCache);
        writer.WriteNumber("size", descriptor.Size);
        writer.WriteNumber("chunkSize", descriptor.ChunkSize);
        writer.WriteNumber("chunks", descriptor.ChunkCount);
        writer.WriteNumber("chunksUploaded", result.ChunksUploaded);
        writer.WriteString("tag", result.Tag);
        writer.WriteString("downloadUrl", result.Package.ImageUrl.OriginalString);
        writer.WriteString("httpUrl", result.Resolved.HttpUrl?.OriginalString);
        writer.WriteString("httpsUrl", result.Resolved.HttpsUrl?.OriginalString);
        writer.WriteString("registryDownloadUrl", result.DescriptorDownloadUrl.AbsoluteUri);
        writer.WriteString("taskPackage", result.Package.TaskPackage.ToString());
        writer.WriteEndObject();
    });

    /// <summary>
    /// Shows a push on standard error: a line per step, and while hashing and uploading the shared progress display
    /// (bytes, rate, ETA) on a terminal.
    /// </summary>
    private sealed class PushProgressView(TextWriter error, ProgressSettings settings) : IProgress<ImagePushProgress>, IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private ImagePushPhase? _phase;
        private ProgressDisplay? _display;
        private IProgress<long>? _bytes;

        public void Report(ImagePushProgress value)
        {
            lock (_gate)
            {
                if (value.Phase != _phase)
                {
                    _phase = value.Phase;
                    StopDisplay();
                    error.WriteLine("gvmi push: " + Describe(value));
                    if (value.Phase is ImagePushPhase.Hashing or ImagePushPhase.Uploading && value.TotalBytes > 0)
                    {
                        _display = ProgressDisplay.Start(error, value.Phase == ImagePushPhase.Hashing ? "hashing" : "uploading", value.TotalBytes, settings);
                        _bytes = _display.ForFile();
                    }
                }

                _bytes?.Report(value.BytesDone);
            }
        }

        public ValueTask DisposeAsync()
        {
            lock (_gate)
            {
                StopDisplay();
                _phase = null;
            }

            return ValueTask.CompletedTask;
        }

        private void StopDisplay()
        {
            _display?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _display = null;
            _bytes = null;
        }

        private static string Describe(ImagePushProgress value) => value.Phase switch
        {
            ImagePushPhase.Hashing => string.Create(CultureInfo.InvariantCulture, $"hashing {value.TotalBytes} bytes (SHA3-224 and chunk SHA-256)"),
            ImagePushPhase.Preparing => "asking the registry what it already has",
            ImagePushPhase.Uploading => string.Create(CultureInfo.InvariantCulture, $"uploading {value.ChunksTotal} chunk(s), {value.TotalBytes} bytes, the registry lacks"),
            ImagePushPhase.Completing => "waiting for the registry to complete the image",
            ImagePushPhase.Tagging => "attaching the tag",
            _ => "resolving the image through the registry",
        };
    }
}
