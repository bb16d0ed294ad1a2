namespace Golem.VmImages;

/// <content>Messages for image packages, task-package strings, manifest hashes and demands.</content>
internal static partial class ErrorMessages
{
    public static string ImageUrlNotAbsolute(string url) =>
        Format("The image URL '{0}' is not an absolute URL; expected an absolute http or https URL.", url);

    public static string ImageUrlScheme(string scheme, bool allowFile) =>
        allowFile
            ? Format("The image URL scheme '{0}' is not supported; expected http, https or file.", scheme)
            : Format("The image URL scheme '{0}' is not supported; expected http or https (a file URL needs allowFileUrl: true).", scheme);

    public static string ImageUrlWhiteSpace(string url) =>
        Format("The image URL '{0}' contains white space or a control character; expected a URL with any such characters percent-encoded.", url);

    public static string RequirementNotPositive(string name, double found) =>
        Format("The requirement {0} is {1}; expected a positive finite number.", name, found);

    public static string RequirementNotPositive(string name, int found) =>
        Format("The requirement {0} is {1}; expected a positive number.", name, found);

    public static string CapabilityEmpty(int index) =>
        Format("The capability at index {0} is empty; expected a name such as 'vpn' or 'inet'.", index);

    public static string CapabilityCharacter(string capability, int index) =>
        Format("The capability '{0}' at index {1} contains white space, a control character or one of ( ) = & | ! * \\; expected a plain name such as 'vpn'.", capability, index);

    public static string CapabilityDuplicate(string capability, int index) =>
        Format("The capability '{0}' at index {1} is listed twice; expected each capability once.", capability, index);

    public static string RuntimeName(string runtime) =>
        Format("The runtime '{0}' is not a plain name; expected a name such as 'vm' or 'vm-nvidia'.", runtime);

    public static string CapabilityNull(int index) =>
        Format("The capability at index {0} is null; expected a name such as 'vpn' or 'inet'.", index);

    public static string TaskPackagePrefix(string found) =>
        Format("A task package must start with 'hash:' but starts with '{0}'.", Excerpt(found, 16));

    public static string TaskPackageMissingSeparator(string after) =>
        Format("A task package has no ':' after the {0}; expected 'hash:sha3:<hex>:<url>'.", after);

    public static string DigestAlgorithm(string found) =>
        Format("Unsupported digest algorithm '{0}'; expected 'sha3'.", Excerpt(found, 32));

    public static string DigestEmpty =>
        "The digest is empty; expected 56, 64, 96 or 128 hexadecimal characters.";

    public static string DigestCharacter(char found, int index) =>
        Format("Invalid character {0} at index {1} of the digest; expected a hexadecimal digit (0-9, a-f, A-F).", Describe(found), index);

    public static string DigestOddLength(int found) =>
        Format("The digest has an odd number of hexadecimal characters ({0}); expected 56, 64, 96 or 128.", found);

    public static string TaskPackageUrlNotAbsolute(string url) =>
        Format("The URL '{0}' of a task package is not an absolute URL; expected an absolute URL such as 'http://host/image.gvmi'.", Excerpt(url, 200));

    public static string ManifestHashPrefix(string found) =>
        Format("A manifest hash must start with 'sha3:' but starts with '{0}'.", Excerpt(found, 16));

    public static string DigestIsDefault =>
        "This Sha3Digest is default(Sha3Digest) and holds no digest; obtain one from Sha3Digest.FromBytes or a parser.";

    public static string ImagePackageJsonNull =>
        "The JSON document is null; expected an object describing an image package.";

    public static string ImagePackageJsonToken(string tokenType) =>
        Format("Expected a JSON object describing an image package but found {0}.", tokenType);

    public static string ImagePackageJsonMissing(string property) =>
        Format("The JSON object of an image package has no '{0}' property; expected both 'imageHash' and 'imageUrl'.", property);

    public static string ImagePackageJsonUrl(string url) =>
        Format("The image package's imageUrl '{0}' is not a valid URL; expected an absolute http or https URL.", Excerpt(url, 200));

    private static string Excerpt(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "...");
}
