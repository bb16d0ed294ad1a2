namespace Golem.VmImages.Registry.Push;

/// <summary>A push tag as gvmkit-build reads it: <c>user/repository[:tag]</c>, each part of letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, the tag <c>latest</c> when omitted.</summary>
internal readonly record struct PushTag(string User, string Repository, string Version)
{
    public const string DefaultVersion = "latest";

    public static PushTag Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var user = slash > 0 ? text[..slash] : string.Empty;
        var repository = slash < 0 ? string.Empty : colon < 0 ? text[(slash + 1)..] : colon > slash ? text[(slash + 1)..colon] : string.Empty;
        var version = colon < 0 ? DefaultVersion : text[(colon + 1)..];
        if (!IsPart(user) || !IsPart(repository) || !IsPart(version))
        {
            throw new ArgumentException(ErrorMessages.PushTagFormat(text), nameof(text));
        }

        return new PushTag(user, repository, version);
    }

    public override string ToString() => User + "/" + Repository + ":" + Version;

    private static bool IsPart(string part) =>
        part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
