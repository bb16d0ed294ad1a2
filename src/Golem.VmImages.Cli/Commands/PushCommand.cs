using System.CommandLine;
using System.Globalization;
using System.Text;
using Golem.VmImages.Cli.Invocation;
using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Registry;
using Golem.VmImages.Registry.Push;

namespace Golem.VmImages.Cli.Commands;

/// <summary>
/// <c>gvmi push FILE.gvmi [--tag USER/REPO[:TAG]] [--registry URL] [--user U] [--token-file F|-] [--chunk-size N]
/// [--workers N] [--allow-insecure] [--cache DIR] [--json]</c>: uploads an image to the Golem registry as gvmkit-build does.
/// This is the definition (arguments and options); <see cref="PushAction"/> runs it.
/// </summary>
internal sealed class PushCommand : Command
{
    /// <summary>The environment variable gvmkit-build reads the registry address from.</summary>
    public const string RegistryVariable = "REGISTRY_URL";

    public PushCommand()
        : base("push", "Upload an image to the Golem image registry, compatible with gvmkit-build: only the chunks the registry lacks, in parallel, with retries; a re-run resumes.")
    {
        Arguments.Add(Image);
        foreach (var option in (Option[])[Tag, Registry, User, TokenFile, ChunkSize, Workers, Retries, Wait, AllowInsecure, Https, NoValidate, Json, Cache])
        {
            Options.Add(option);
        }

        Progress.AddTo(this);
        Action = new PushAction(this);
    }

    public Argument<string> Image { get; } = new("FILE") { Description = "The .gvmi image to push." };

    public Option<string?> Tag { get; } = new("--tag", "-t") { Description = "Attach this tag, user/repository[:tag] (tag 'latest' when omitted); without it the push is anonymous, addressable by hash only." };

    public Option<string?> Registry { get; } = new("--registry") { Description = $"The registry base address (default: ${RegistryVariable}, else {ImageRegistryOptions.DefaultBaseAddress})." };

    public Option<string?> User { get; } = new("--user") { Description = $"The registry user name for a tagged push (default: ${RegistryCredentials.UserNameVariable})." };

    public Option<string?> TokenFile { get; } = new("--token-file") { Description = $"Read the personal access token from this file, or from standard input with '-' (default: ${RegistryCredentials.TokenVariable}). It is never printed or stored." };

    public Option<long?> ChunkSize { get; } = new("--chunk-size") { Description = "The upload chunk size in bytes (default: gvmkit-build's choice by image size, 2 to 100 MiB, so both tools name the upload alike)." };

    public Option<int> Workers { get; } = new("--workers") { Description = "Chunks uploaded at the same time.", DefaultValueFactory = _ => new ImagePusherOptions().MaxParallelUploads };

    public Option<int> Retries { get; } = new("--retries") { Description = "Retries of each request on transport errors, timeouts, 408, 429 and 5xx.", DefaultValueFactory = _ => new ImagePusherOptions().MaxRetryAttempts };

    public Option<double> Wait { get; } = new("--wait") { Description = "Seconds to wait, after the last chunk, for the registry to report the image complete.", DefaultValueFactory = _ => new ImagePusherOptions().CompletionTimeout.TotalSeconds };

    public Option<bool> AllowInsecure { get; } = new("--allow-insecure") { Description = "Allow a tagged push (which sends the access token) to a plain http:// registry." };

    public Option<bool> Https { get; } = new("--https") { Description = "Put the registry's https download link into the task package instead of the http one." };

    public Option<bool> NoValidate { get; } = new("--no-validate") { Description = "Do not check the .gvmi trailer (CRC-32, container config) before pushing." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON." };

    public Option<string?> Cache { get; } = new("--cache") { Description = "Where descriptors are remembered, so pushing the same unchanged file again does not read it to hash it (default: the user's golem-vmimages cache)." };

    public ProgressOptions Progress { get; } = new();

    public static Command Create() => new PushCommand();

    /// <summary>The registry's address: --registry, else $REGISTRY_URL, else the public registry.</summary>
    public Uri ReadRegistry(ParseResult parseResult) => RegistryAddress(parseResult.GetValue(Registry));

    /// <summary>The pusher's options (parallelism, retries, the completion wait, the descriptor cache).</summary>
    public ImagePusherOptions ReadPusherOptions(ParseResult parseResult)
    {
        var seconds = parseResult.GetValue(Wait);
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > 3600)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--wait is {seconds}; expected a number of seconds from 0 to 3600."));
        }

        return new ImagePusherOptions
        {
            MaxParallelUploads = parseResult.GetValue(Workers),
            MaxRetryAttempts = parseResult.GetValue(Retries),
            CompletionTimeout = TimeSpan.FromSeconds(seconds),
            DescriptorCacheDirectory = parseResult.GetValue(Cache) ?? Path.Combine(ImageFetcherOptions.DefaultCacheDirectory, "descriptors"),
        };
    }

    /// <summary>The push's options; a tagged push reads its credentials (from --token-file, standard input or the environment).</summary>
    public async Task<ImagePushOptions> ReadPushOptionsAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var tag = parseResult.GetValue(Tag);
        return new ImagePushOptions
        {
            Tag = tag,
            Credentials = tag is null ? null : await CredentialsAsync(parseResult.GetValue(User), parseResult.GetValue(TokenFile), cancellationToken).ConfigureAwait(false),
            ChunkSize = parseResult.GetValue(ChunkSize),
            AllowInsecureHttp = parseResult.GetValue(AllowInsecure),
            ValidateImage = !parseResult.GetValue(NoValidate),
            UseHttps = parseResult.GetValue(Https),
        };
    }

    /// <summary>What the push printed: text or, with --json, one JSON document.</summary>
    public string Format(ParseResult parseResult, ImagePushResult result, Uri registry) =>
        parseResult.GetValue(Json) ? ToJson(result, registry) + "\n" : ToText(result);

    /// <summary>A failure of the push in the user's terms: an image that is not a .gvmi, a chunk size to choose.</summary>
    public static Exception Explain(Exception ex, string path) => ex switch
    {
        GvmiFormatException => new InputException(string.Create(CultureInfo.InvariantCulture, $"'{path}' is not a valid .gvmi image: {ex.Message}"), ex),
        ArgumentOutOfRangeException when ex.Message.Contains("chunk size", StringComparison.Ordinal) => new UsageException(ErrorText.Describe(ex) + " Pass --chunk-size."),
        _ => ex,
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
    public sealed class PushProgressView(TextWriter error, string commandName, ProgressSettings settings) : IProgress<ImagePushProgress>, IAsyncDisposable
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
                    error.WriteLine(ErrorWriter.Note(commandName, Describe(value)));
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
