using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Golem.VmImages.Packages;

namespace Golem.VmImages;

/// <summary>
/// A self-hosted Golem VM image and the requirements a provider must meet to run it: the C# counterpart of the
/// Python SDK's <c>vm.repo(image_hash=..., image_url=...)</c>, with the same defaults.
/// </summary>
/// <example>
/// <code>
/// var package = new ImagePackage(ImageHash.Parse("d646d7b9..."), new Uri("http://example.org/app.gvmi"))
/// {
///     MinMemGib = 1,
///     Capabilities = [ImageCapabilities.Vpn],
/// };
/// ImageDemand demand = package.ToDemand(); // properties + constraints, as yapapi writes them
/// </code>
/// </example>
/// <remarks>
/// Every value is validated when it is set (also through <c>with</c>): the URL must be absolute <c>http</c> or
/// <c>https</c> (<c>file</c> only when <see cref="AllowFileUrl"/>), requirements positive and finite, capabilities
/// non-empty plain names without duplicates. Equality compares every member, the capabilities by content and order.
/// </remarks>
[JsonConverter(typeof(ImagePackageJsonConverter))]
public sealed record ImagePackage
{
    /// <summary>The demand property naming the image format: <c>golem.srv.comp.vm.package_format</c>.</summary>
    public const string PackageFormatPropertyName = "golem.srv.comp.vm.package_format";

    /// <summary>The only image format of the VM runtime: <c>gvmkit-squash</c>.</summary>
    public const string PackageFormat = "gvmkit-squash";

    /// <summary>The default <see cref="MinMemGib"/>: 0.5, as in <c>vm.repo()</c>.</summary>
    public const double DefaultMinMemGib = 0.5;

    /// <summary>The default <see cref="MinStorageGib"/>: 2.0, as in <c>vm.repo()</c>.</summary>
    public const double DefaultMinStorageGib = 2.0;

    /// <summary>The default <see cref="MinCpuThreads"/>: 1, as in <c>vm.repo()</c>.</summary>
    public const int DefaultMinCpuThreads = 1;

    private static readonly SearchValues<char> ForbiddenCapabilityCharacters = SearchValues.Create("()=&|!*\\");

    private readonly ImageHash _imageHash;
    private readonly Uri _imageUrl = null!;
    private readonly double _minMemGib = DefaultMinMemGib;
    private readonly double _minStorageGib = DefaultMinStorageGib;
    private readonly int _minCpuThreads = DefaultMinCpuThreads;
    private readonly int? _minCpuCores;
    private readonly IReadOnlyList<string> _capabilities = [];
    private readonly string _runtime = ImageRuntimes.Vm;

    /// <summary>Initializes a package for an image served over http or https.</summary>
    /// <param name="imageHash">The SHA3-224 hash of the whole .gvmi file.</param>
    /// <param name="imageUrl">The absolute http or https URL providers download the image from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="imageUrl"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="imageHash"/> is default, or <paramref name="imageUrl"/> is not an absolute http or https URL.</exception>
    public ImagePackage(ImageHash imageHash, Uri imageUrl)
        : this(imageHash, imageUrl, allowFileUrl: false)
    {
    }

    /// <summary>Initializes a package, optionally allowing a <c>file</c> URL (for an image served from the local disk).</summary>
    /// <param name="imageHash">The SHA3-224 hash of the whole .gvmi file.</param>
    /// <param name="imageUrl">The absolute http, https (or, when allowed, file) URL of the image.</param>
    /// <param name="allowFileUrl">Whether a <c>file</c> URL is accepted.</param>
    /// <exception cref="ArgumentNullException"><paramref name="imageUrl"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="imageHash"/> is default, or <paramref name="imageUrl"/> is not accepted.</exception>
    public ImagePackage(ImageHash imageHash, Uri imageUrl, bool allowFileUrl)
    {
        // Null first, then values (the library's validation order).
        ArgumentNullException.ThrowIfNull(imageUrl);
        AllowFileUrl = allowFileUrl;
        ImageUrl = imageUrl;
        ImageHash = imageHash;
    }

    /// <summary>Gets the SHA3-224 hash of the whole .gvmi file.</summary>
    /// <exception cref="ArgumentException">Set to default.</exception>
    public ImageHash ImageHash
    {
        get => _imageHash;
        init => _imageHash = value.IsDefault ? throw new ArgumentException(ErrorMessages.ImageHashIsDefault, nameof(value)) : value;
    }

    /// <summary>Gets the URL providers download the image from, written into the task package exactly as given.</summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Set to a URL that is not absolute http or https (or file, when allowed).</exception>
    public Uri ImageUrl
    {
        get => _imageUrl;
        init => _imageUrl = ValidateUrl(value, AllowFileUrl, nameof(value));
    }

    /// <summary>Gets a value indicating whether <see cref="ImageUrl"/> may be a <c>file</c> URL.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowFileUrl { get; }

    /// <summary>Gets the minimum memory in GiB (constraint <c>golem.inf.mem.gib</c>).</summary>
    /// <value>The default is 0.5.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value that is not positive and finite.</exception>
    public double MinMemGib
    {
        get => _minMemGib;
        init => _minMemGib = ValidatePositive(value, nameof(MinMemGib));
    }

    /// <summary>Gets the minimum storage in GiB (constraint <c>golem.inf.storage.gib</c>).</summary>
    /// <value>The default is 2.0.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value that is not positive and finite.</exception>
    public double MinStorageGib
    {
        get => _minStorageGib;
        init => _minStorageGib = ValidatePositive(value, nameof(MinStorageGib));
    }

    /// <summary>Gets the minimum number of CPU threads (constraint <c>golem.inf.cpu.threads</c>).</summary>
    /// <value>The default is 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less.</exception>
    public int MinCpuThreads
    {
        get => _minCpuThreads;
        init => _minCpuThreads = ValidatePositive(value, nameof(MinCpuThreads));
    }

    /// <summary>
    /// Gets the minimum number of CPU cores (constraint <c>golem.inf.cpu.cores</c>, as the JavaScript SDK sets it),
    /// or <see langword="null"/> to leave it out as the Python SDK does.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less.</exception>
    public int? MinCpuCores
    {
        get => _minCpuCores;
        init => _minCpuCores = value is { } cores ? ValidatePositive(cores, nameof(MinCpuCores)) : null;
    }

    /// <summary>
    /// Gets the capabilities a provider must offer (constraint <c>golem.runtime.capabilities</c>, one per entry, in
    /// order); see <see cref="ImageCapabilities"/> for the known names. Unknown names are allowed.
    /// </summary>
    /// <value>The default is empty.</value>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An entry is null, empty, not a plain name, or listed twice.</exception>
    public IReadOnlyList<string> Capabilities
    {
        get => _capabilities;
        init => _capabilities = ValidateCapabilities(value, nameof(Capabilities));
    }

    /// <summary>
    /// Gets the runtime providers must run the image on (constraint <c>golem.runtime.name</c>): <c>vm</c>, or
    /// <c>vm-nvidia</c> for GPU providers; see <see cref="ImageRuntimes"/>. Other plain names are allowed.
    /// </summary>
    /// <value>The default is <c>vm</c>.</value>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Set to an empty name or one that is not a plain name.</exception>
    public string Runtime
    {
        get => _runtime;
        init => _runtime = ValidateRuntime(value, nameof(Runtime));
    }

    /// <summary>Gets the task package for this image: <c>hash:sha3:&lt;hex&gt;:&lt;url&gt;</c>.</summary>
    public TaskPackage TaskPackage => new(ImageHash, ImageUrl);

    /// <summary>
    /// Builds the demand the Python SDK builds for this package: the task-package and package-format properties and
    /// the constraints string, character for character as <c>yapapi</c> formats it.
    /// </summary>
    /// <returns>The demand.</returns>
    public ImageDemand ToDemand()
    {
        var capabilities = new List<string>(Capabilities.Count);
        foreach (var capability in Capabilities)
        {
            capabilities.Add(Constraint("golem.runtime.capabilities", "=", capability));
        }

        var constraints = new List<string>
        {
            Constraint("golem.inf.mem.gib", ">=", PythonFloat.Format(MinMemGib)),
            Constraint("golem.inf.storage.gib", ">=", PythonFloat.Format(MinStorageGib)),
            Constraint("golem.inf.cpu.threads", ">=", MinCpuThreads.ToString(CultureInfo.InvariantCulture)),
        };
        if (MinCpuCores is { } cores)
        {
            constraints.Add(Constraint("golem.inf.cpu.cores", ">=", cores.ToString(CultureInfo.InvariantCulture)));
        }

        constraints.Add(capabilities.Count == 0 ? string.Empty : JoinConstraints(capabilities));
        constraints.Add(Constraint("golem.runtime.name", "=", Runtime));
        return new ImageDemand(TaskPackage.ToString(), PackageFormat, JoinConstraints(constraints));
    }

    /// <summary>
    /// Serializes this package to indented JSON (property names: <c>imageHash</c>, <c>imageUrl</c>, <c>minMemGib</c>,
    /// ...); only what JSON requires is escaped, so a URL's <c>&amp;</c> or <c>&gt;</c> appears as written.
    /// </summary>
    /// <returns>A JSON object.</returns>
    public string ToJson() => GolemJson.Serialize(this, GolemJsonContext.Default.ImagePackage);

    /// <summary>Reads a package written by <see cref="ToJson"/>; every value is validated as on construction.</summary>
    /// <param name="json">The JSON object.</param>
    /// <returns>The package.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="JsonException"><paramref name="json"/> is not a valid package.</exception>
    /// <exception cref="ArgumentException">A value is rejected by validation.</exception>
    public static ImagePackage FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, GolemJsonContext.Default.ImagePackage)
            ?? throw new JsonException(ErrorMessages.ImagePackageJsonNull);
    }

    /// <summary>
    /// The publisher flow: hashes the .gvmi file with <see cref="ImageHasher"/> and builds the package for the URL it
    /// will be served from, with the default requirements (change them with <c>with { ... }</c>).
    /// </summary>
    /// <param name="path">The .gvmi file.</param>
    /// <param name="imageUrl">The absolute http or https URL the file will be served from.</param>
    /// <param name="progress">Receives the number of bytes hashed so far.</param>
    /// <param name="cancellationToken">Cancels the hashing.</param>
    /// <returns>The package.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="imageUrl"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="imageUrl"/> is not an absolute http or https URL.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Task<ImagePackage> FromFileAsync(string path, Uri imageUrl, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateUrl(imageUrl, allowFile: false, nameof(imageUrl));
        return FromFileCoreAsync(path, imageUrl, progress, cancellationToken);
    }

    /// <summary>
    /// The optional pre-flight the Python SDK does before using a direct URL: sends <c>HEAD</c> to
    /// <see cref="ImageUrl"/> (following redirects) and reports the status, <c>Content-Length</c> and whether byte
    /// ranges are supported. Never needed to construct a package. For a <c>file</c> URL the local file is checked
    /// instead: 200 with its length when it exists, 404 when it does not.
    /// </summary>
    /// <param name="httpClient">The client to send the request with.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What the server answered.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public Task<ImageUrlCheck> CheckUrlAsync(HttpClient httpClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return ImageUrlCheck.RunAsync(httpClient, ImageUrl, cancellationToken);
    }

    /// <inheritdoc/>
    public bool Equals(ImagePackage? other) =>
        other is not null
        && ImageHash == other.ImageHash
        && string.Equals(ImageUrl.OriginalString, other.ImageUrl.OriginalString, StringComparison.Ordinal)
        && AllowFileUrl == other.AllowFileUrl
        && MinMemGib.Equals(other.MinMemGib)
        && MinStorageGib.Equals(other.MinStorageGib)
        && MinCpuThreads == other.MinCpuThreads
        && MinCpuCores == other.MinCpuCores
        && Capabilities.SequenceEqual(other.Capabilities, StringComparer.Ordinal)
        && string.Equals(Runtime, other.Runtime, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(ImageHash);
        hash.Add(ImageUrl.OriginalString, StringComparer.Ordinal);
        hash.Add(AllowFileUrl);
        hash.Add(MinMemGib);
        hash.Add(MinStorageGib);
        hash.Add(MinCpuThreads);
        hash.Add(MinCpuCores);
        foreach (var capability in Capabilities)
        {
            hash.Add(capability, StringComparer.Ordinal);
        }

        hash.Add(Runtime, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    private static string Constraint(string key, string op, string value) => string.Concat("(", key, op, value, ")");

    /// <summary>yapapi's <c>join_str_constraints</c> with the <c>&amp;</c> operator.</summary>
    private static string JoinConstraints(IEnumerable<string> constraints)
    {
        var kept = constraints.Where(c => c.Length > 0).ToList();
        return kept.Count switch
        {
            0 => "(&)",
            1 => kept[0],
            _ => string.Concat("(&", string.Join("\n\t", kept), ")"),
        };
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"ImageHash = {ImageHash}, ImageUrl = {ImageUrl.OriginalString}, AllowFileUrl = {AllowFileUrl}, ");
        builder.Append(CultureInfo.InvariantCulture, $"MinMemGib = {MinMemGib}, MinStorageGib = {MinStorageGib}, MinCpuThreads = {MinCpuThreads}, ");
        builder.Append(CultureInfo.InvariantCulture, $"MinCpuCores = {MinCpuCores}, Capabilities = [{string.Join(", ", Capabilities)}], Runtime = {Runtime}");
        return true;
    }

    private static async Task<ImagePackage> FromFileCoreAsync(string path, Uri imageUrl, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var hash = await ImageHasher.HashFileAsync(path, progress, cancellationToken).ConfigureAwait(false);
        return new ImagePackage(hash, imageUrl);
    }

    private static Uri ValidateUrl(Uri? url, bool allowFile, string paramName)
    {
        ArgumentNullException.ThrowIfNull(url, paramName);
        if (!UrlText.HasScheme(url))
        {
            throw new ArgumentException(ErrorMessages.ImageUrlNotAbsolute(url.OriginalString), paramName);
        }

        var scheme = url.Scheme;
        var supported = scheme == Uri.UriSchemeHttp || scheme == Uri.UriSchemeHttps || (allowFile && scheme == Uri.UriSchemeFile);
        if (!supported)
        {
            throw new ArgumentException(ErrorMessages.ImageUrlScheme(scheme, allowFile), paramName);
        }

        foreach (var c in url.OriginalString)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException(ErrorMessages.ImageUrlWhiteSpace(url.OriginalString), paramName);
            }
        }

        return url;
    }

    private static double ValidatePositive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, ErrorMessages.RequirementNotPositive(name, value));

    private static int ValidatePositive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, ErrorMessages.RequirementNotPositive(name, value));

    private static string ValidateRuntime(string? runtime, string paramName)
    {
        ArgumentNullException.ThrowIfNull(runtime, paramName);
        if (runtime.Length == 0 || runtime.AsSpan().IndexOfAny(ForbiddenCapabilityCharacters) >= 0 || runtime.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException(ErrorMessages.RuntimeName(runtime), paramName);
        }

        return runtime;
    }

    private static string[] ValidateCapabilities(IReadOnlyList<string>? capabilities, string paramName)
    {
        ArgumentNullException.ThrowIfNull(capabilities, paramName);
        var copy = capabilities.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < copy.Length; i++)
        {
            var capability = copy[i];
            if (capability is null)
            {
                throw new ArgumentException(ErrorMessages.CapabilityNull(i), paramName);
            }

            if (capability.Length == 0)
            {
                throw new ArgumentException(ErrorMessages.CapabilityEmpty(i), paramName);
            }

            if (capability.AsSpan().IndexOfAny(ForbiddenCapabilityCharacters) >= 0 || capability.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new ArgumentException(ErrorMessages.CapabilityCharacter(capability, i), paramName);
            }

            if (!seen.Add(capability))
            {
                throw new ArgumentException(ErrorMessages.CapabilityDuplicate(capability, i), paramName);
            }
        }

        return copy;
    }
}
