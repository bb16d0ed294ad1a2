using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Golem.VmImages.Oci;

/// <summary>
/// A container image name as Docker reads it: <c>[registry[:port]/]repository[:tag|@digest]</c>, with an optional
/// <c>docker://</c> prefix. Docker Hub is the default registry (<c>docker.io</c>), a one-part Hub repository is under
/// <c>library/</c>, and a name without a tag or digest means <c>:latest</c>; the first part is a registry when it
/// holds a dot or a colon or is <c>localhost</c>. With both a tag and a digest, the digest decides what is pulled.
/// </summary>
public sealed partial class ImageReference : IEquatable<ImageReference>, IParsable<ImageReference>
{
    /// <summary>The registry of names that do not name one.</summary>
    public const string DockerHub = "docker.io";

    private const string Prefix = "docker://";

    private ImageReference(string registry, string repository, string? tag, string? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>Gets the registry as <c>host[:port]</c>, such as <c>docker.io</c> or <c>127.0.0.1:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>Gets the repository path, such as <c>library/python</c>.</summary>
    public string Repository { get; }

    /// <summary>Gets the tag, or <see langword="null"/> when the reference has only a digest.</summary>
    public string? Tag { get; }

    /// <summary>Gets the manifest digest (<c>sha256:</c> and 64 lowercase hex digits), or <see langword="null"/>.</summary>
    public string? Digest { get; }

    /// <summary>Gets the tag or digest the manifest is requested by: the digest when there is one.</summary>
    public string ManifestReference => Digest ?? Tag!;

    /// <summary>Parses an image reference.</summary>
    /// <param name="s">The reference, such as <c>python:3.12-slim</c>, <c>docker://ghcr.io/org/app@sha256:...</c> or <c>localhost:5000/app</c>.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not an image reference; the message says which part is wrong.</exception>
    public static ImageReference Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, out var reference, out var error) ? reference : throw new FormatException(error);
    }

    /// <summary>Parses an image reference.</summary>
    /// <param name="s">The reference.</param>
    /// <param name="result">The reference when parsed.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> is an image reference.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, [NotNullWhen(true)] out ImageReference? result) => TryParse(s, out result, out _);

    static ImageReference IParsable<ImageReference>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<ImageReference>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out ImageReference result) => TryParse(s, out result);

    /// <summary>Gets this reference pinned to a manifest digest, keeping the tag for readers (<c>registry/repository:tag@digest</c>).</summary>
    /// <param name="digest">The manifest digest.</param>
    /// <returns>The pinned reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is not <c>sha256:</c> and 64 lowercase hex digits.</exception>
    public ImageReference WithDigest(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (!DigestPattern().IsMatch(digest))
        {
            throw new ArgumentException(ErrorMessages.ReferenceDigest(digest), nameof(digest));
        }

        return new ImageReference(Registry, Repository, Tag, digest);
    }

    /// <summary>Formats the reference in full: <c>registry/repository[:tag][@digest]</c>.</summary>
    /// <returns>The reference, which parses back to an equal one.</returns>
    public override string ToString() => Registry + "/" + Repository + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <inheritdoc/>
    public bool Equals(ImageReference? other) =>
        other is not null && Registry == other.Registry && Repository == other.Repository && Tag == other.Tag && Digest == other.Digest;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ImageReference);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Registry, Repository, Tag, Digest);

    /// <summary>Gets a value indicating whether the registry is this machine (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>[::1]</c>), where plain http is allowed.</summary>
    internal bool IsLoopbackRegistry
    {
        get
        {
            var host = Registry.StartsWith('[') ? Registry[1..Registry.IndexOf(']', StringComparison.Ordinal)] : Registry.Split(':')[0];
            return host == "localhost" || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));
        }
    }

    internal static bool TryParse(string? s, [NotNullWhen(true)] out ImageReference? result, out string error)
    {
        result = null;
        error = string.Empty;
        if (string.IsNullOrEmpty(s))
        {
            error = ErrorMessages.ReferenceEmpty;
            return false;
        }

        var text = s.StartsWith(Prefix, StringComparison.Ordinal) ? s[Prefix.Length..] : s;
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                error = ErrorMessages.ReferenceDigest(digest);
                return false;
            }
        }

        string? tag = null;
        var colon = text.LastIndexOf(':');
        if (colon > text.LastIndexOf('/'))
        {
            tag = text[(colon + 1)..];
            text = text[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = ErrorMessages.ReferenceTag(s, tag);
                return false;
            }
        }

        var registry = DockerHub;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && text[..slash] is var first && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            registry = first;
            text = text[(slash + 1)..];
            if (!RegistryPattern().IsMatch(registry))
            {
                error = ErrorMessages.ReferenceRegistry(s, registry);
                return false;
            }

            if (registry == "index.docker.io")
            {
                registry = DockerHub;
            }
        }

        if (!RepositoryPattern().IsMatch(text))
        {
            error = ErrorMessages.ReferenceRepository(s, text);
            return false;
        }

        if (registry == DockerHub && !text.Contains('/', StringComparison.Ordinal))
        {
            text = "library/" + text;
        }

        result = new ImageReference(registry, text, tag ?? (digest is null ? "latest" : null), digest);
        return true;
    }

    [GeneratedRegex(@"\Asha256:[0-9a-f]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\A(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();

    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();
}
