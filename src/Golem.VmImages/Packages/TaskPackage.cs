using System.Diagnostics.CodeAnalysis;
using Golem.VmImages.Packages;

namespace Golem.VmImages;

/// <summary>
/// A task-package string, <c>hash:sha3:&lt;hex&gt;:&lt;url&gt;</c>: what a requestor sends as the demand property
/// <c>golem.srv.comp.task_package</c> and what a provider parses to find and verify the image.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ToString"/> writes exactly what the Python SDK writes: <c>hash:sha3:</c>, the lowercase digest, <c>:</c>
/// and the URL as it was given (<see cref="Uri.OriginalString"/>).
/// </para>
/// <para>
/// <see cref="Parse(string)"/> accepts every form the provider accepts: any letter case, <c>hash://sha3:</c>, a
/// <c>0x</c> before the digest, and a digest of 56, 64, 96 or 128 hexadecimal characters selecting SHA3-224, -256,
/// -384 or -512. Unlike the provider it is anchored (nothing before <c>hash:</c>), requires an even number of
/// digits and an absolute URL written with its scheme (on Unix .NET reads a rooted path such as <c>/srv/a.gvmi</c> as
/// an absolute file URI; a provider does not), and says exactly what is wrong.
/// </para>
/// </remarks>
public sealed record TaskPackage : ISpanParsable<TaskPackage>
{
    /// <summary>The demand property that carries the task-package string: <c>golem.srv.comp.task_package</c>.</summary>
    public const string PropertyName = "golem.srv.comp.task_package";

    /// <summary>The only digest algorithm name providers accept: <c>sha3</c>.</summary>
    public const string AlgorithmPrefix = "sha3";

    /// <summary>Initializes a task package for an image hash (SHA3-224) and the URL the image is served from.</summary>
    /// <param name="imageHash">The SHA3-224 hash of the whole image file.</param>
    /// <param name="url">An absolute URL.</param>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="imageHash"/> is default, or <paramref name="url"/> is not absolute (written with a scheme).</exception>
    public TaskPackage(ImageHash imageHash, Uri url)
        : this(ValidateImageHash(imageHash, url), url)
    {
    }

    /// <summary>Initializes a task package for a SHA3 digest of any standard length and the URL the image is served from.</summary>
    /// <param name="digest">The digest of the whole image file.</param>
    /// <param name="url">An absolute URL.</param>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is default, or <paramref name="url"/> is not absolute (written with a scheme).</exception>
    public TaskPackage(Sha3Digest digest, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (digest.IsDefault)
        {
            throw new ArgumentException(ErrorMessages.DigestIsDefault, nameof(digest));
        }

        if (!UrlText.HasScheme(url))
        {
            throw new ArgumentException(ErrorMessages.TaskPackageUrlNotAbsolute(url.OriginalString), nameof(url));
        }

        Digest = digest;
        Url = url;
    }

    /// <summary>Gets the digest of the whole image file.</summary>
    public Sha3Digest Digest { get; }

    /// <summary>Gets the URL the image is served from.</summary>
    public Uri Url { get; }

    /// <summary>Gets the digest length in bits: 224, 256, 384 or 512.</summary>
    public int BitLength => Digest.BitLength;

    /// <summary>Gets the digest algorithm, such as <c>SHA3-224</c>.</summary>
    public string AlgorithmName => Digest.AlgorithmName;

    /// <summary>Gets the image hash when the digest is SHA3-224 (the only length the Golem tools produce); otherwise <see langword="null"/>.</summary>
    public ImageHash? ImageHash => Digest.TryGetImageHash(out var hash) ? hash : null;

    /// <summary>Returns the task-package string, <c>hash:sha3:&lt;lowercase hex&gt;:&lt;url&gt;</c>.</summary>
    /// <returns>The task-package string.</returns>
    public override string ToString() => string.Concat("hash:", AlgorithmPrefix, ":", Digest.ToString(), ":", Url.OriginalString);

    /// <summary>Parses a task-package string in any form the provider accepts (see the remarks on <see cref="TaskPackage"/>).</summary>
    /// <param name="s">The text; surrounding white space is ignored.</param>
    /// <returns>The task package.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a task package; the message says why.</exception>
    public static TaskPackage Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan());
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static TaskPackage Parse(ReadOnlySpan<char> s) =>
        TryParseCore(s, out var result) is { } error ? throw new FormatException(error) : result;

    /// <summary>Tries to parse a task-package string in any form the provider accepts.</summary>
    /// <param name="s">The text; surrounding white space is ignored.</param>
    /// <param name="result">The task package, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> was a task package.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, [NotNullWhen(true)] out TaskPackage? result)
    {
        result = null;
        return s is not null && TryParse(s.AsSpan(), out result);
    }

    /// <inheritdoc cref="TryParse(string?, out TaskPackage?)"/>
    public static bool TryParse(ReadOnlySpan<char> s, [NotNullWhen(true)] out TaskPackage? result)
    {
        if (TryParseCore(s, out var parsed) is null)
        {
            result = parsed;
            return true;
        }

        result = null;
        return false;
    }

    static TaskPackage IParsable<TaskPackage>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<TaskPackage>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out TaskPackage result) =>
        TryParse(s, out result);

    static TaskPackage ISpanParsable<TaskPackage>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    static bool ISpanParsable<TaskPackage>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, [MaybeNullWhen(false)] out TaskPackage result) =>
        TryParse(s, out result);

    private static string? TryParseCore(ReadOnlySpan<char> s, out TaskPackage result)
    {
        result = null!;
        var leading = s.Length - s.TrimStart().Length;
        s = s.Trim();
        const string Prefix = "hash:";
        if (!s.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return ErrorMessages.TaskPackagePrefix(s.ToString());
        }

        var position = Prefix.Length;
        if (s[position..].StartsWith("//", StringComparison.Ordinal))
        {
            position += 2;
        }

        var algorithmEnd = s[position..].IndexOf(':');
        if (algorithmEnd < 0)
        {
            return ErrorMessages.TaskPackageMissingSeparator("digest algorithm");
        }

        var algorithm = s.Slice(position, algorithmEnd);
        if (!algorithm.Equals(AlgorithmPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return ErrorMessages.DigestAlgorithm(algorithm.ToString());
        }

        position += algorithmEnd + 1;
        var hexEnd = s[position..].IndexOf(':');
        var hex = hexEnd < 0 ? s[position..] : s.Slice(position, hexEnd);
        if (DigestText.TryParse(hex, leading + position, out var digest) is { } digestError)
        {
            return digestError;
        }

        if (hexEnd < 0)
        {
            return ErrorMessages.TaskPackageMissingSeparator("digest");
        }

        var urlText = s[(position + hexEnd + 1)..].ToString();
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || !UrlText.HasScheme(url))
        {
            return ErrorMessages.TaskPackageUrlNotAbsolute(urlText);
        }

        result = new TaskPackage(digest, url);
        return null;
    }

    private static Sha3Digest ValidateImageHash(ImageHash imageHash, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return imageHash.IsDefault ? throw new ArgumentException(ErrorMessages.ImageHashIsDefault, nameof(imageHash)) : imageHash;
    }

    /// <summary>Indicates whether two task packages have the same digest and the same URL text.</summary>
    /// <param name="other">The other task package.</param>
    /// <returns><see langword="true"/> when they would be written as the same string.</returns>
    public bool Equals(TaskPackage? other) =>
        other is not null && Digest == other.Digest && string.Equals(Url.OriginalString, other.Url.OriginalString, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Digest, StringComparer.Ordinal.GetHashCode(Url.OriginalString));
}
