using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Golem.VmImages.Tests.Hashing;

public class ImageHashTests
{
    private const string Hex = "d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376";

    [Test]
    public void OfEmptyInput_IsSha3OfNothing()
    {
        Assert.That(ImageHash.OfEmptyInput.ToString(), Is.EqualTo("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7"));
        Assert.That(ImageHasher.HashData([]).IsOfEmptyInput, Is.True);
        Assert.That(ImageHash.Parse(Hex).IsOfEmptyInput, Is.False);
    }

    [TestCase(Hex)]
    [TestCase("D646D7B93083D817846C2AE5C62C72CA0507782385A2E29291A3D376")]
    [TestCase("  d646d7b93083D817846c2ae5c62c72ca0507782385a2e29291a3d376\r\n")]
    [TestCase("\td646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376 ")]
    public void Parse_AnyCaseAndSurroundingWhiteSpace_FormatsAsLowercase(string text)
    {
        Assert.That(ImageHash.Parse(text).ToString(), Is.EqualTo(Hex));
        Assert.That(ImageHash.Parse(text.AsSpan()).ToString(), Is.EqualTo(Hex));
        Assert.That(ImageHash.Parse(Encoding.UTF8.GetBytes(text)).ToString(), Is.EqualTo(Hex));
        Assert.That(ImageHash.TryParse(text, out var a) && ImageHash.TryParse(text.AsSpan(), out var b) && ImageHash.TryParse(Encoding.UTF8.GetBytes(text), out var c) && a == b && b == c, Is.True);
    }

    [Test]
    public void ParseAndFormat_RoundTripThroughEveryForm()
    {
        var hash = ImageHash.Parse(Hex);
        Assert.That(ImageHash.FromBytes(hash.ToArray()), Is.EqualTo(hash));
        Assert.That(ImageHash.Parse(hash.ToString("X", null)), Is.EqualTo(hash));
        Assert.That(hash.ToString("X", null), Is.EqualTo(Hex.ToUpperInvariant()));
        Assert.That(hash.ToString("x", CultureInfo.InvariantCulture), Is.EqualTo(Hex));
        Assert.That($"{hash}", Is.EqualTo(Hex));
        Assert.That($"{hash:X}", Is.EqualTo(Hex.ToUpperInvariant()));
        Assert.That(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes($"{hash}")), Is.EqualTo(Hex));
        Assert.That(ParseGeneric<ImageHash>(Hex), Is.EqualTo(hash));
    }

    [TestCase("", "found 0")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d3", "Expected 56 hexadecimal characters for a SHA3-224 image hash but found 54.")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d37600", "but found 58")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d37g", "Invalid character 'g' at index 55")]
    [TestCase("  d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d37g", "Invalid character 'g' at index 57")]
    [TestCase("0xd646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d3", "Invalid character 'x' at index 1")]
    [TestCase("sha3:d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a", "Invalid character 's' at index 0")]
    [TestCase("abcd:d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a", "Invalid character ':' at index 4 of a SHA3-224 image hash; expected a hexadecimal digit (a prefixed form")]
    [TestCase("sha3:d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376", "but found 61")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca 507782385a2e29291a3d376", "Invalid character U+0020 at index 32")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca\t0507782385a2e29291a3d37", "Invalid character U+0009 at index 32")]
    [TestCase("d646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d37é", "Invalid character 'é' at index 55")]
    public void Parse_Invalid_ThrowsFormatExceptionSayingWhatWasFound(string text, string message)
    {
        Assert.That(() => ImageHash.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains(message));
        Assert.That(() => ImageHash.Parse(Encoding.UTF8.GetBytes(text)), Throws.TypeOf<FormatException>());
        Assert.That(ImageHash.TryParse(text, out var result), Is.False);
        Assert.That(result.IsDefault, Is.True);
        Assert.That(ImageHash.TryParse(Encoding.UTF8.GetBytes(text), out _), Is.False);
    }

    [Test]
    public void Parse_Null_ThrowsArgumentNullException()
    {
        Assert.That(() => ImageHash.Parse((string)null!), Throws.ArgumentNullException);
        Assert.That(ImageHash.TryParse((string?)null, out _), Is.False);
    }

    [TestCase(0)]
    [TestCase(27)]
    [TestCase(29)]
    [TestCase(32)]
    public void FromBytes_WrongLength_ThrowsArgumentException(int length)
    {
        Assert.That(
            () => ImageHash.FromBytes(new byte[length]),
            Throws.ArgumentException.With.Message.Contains($"Expected 28 bytes for a SHA3-224 image hash but found {length}."));
    }

    [Test]
    public void FromBytes_AllZero_IsARealDigestDistinctFromDefault()
    {
        var zero = ImageHash.FromBytes(new byte[28]);
        Assert.That(zero.IsDefault, Is.False);
        Assert.That(zero, Is.Not.EqualTo(default(ImageHash)));
        Assert.That(zero.ToString(), Is.EqualTo(new string('0', 56)));
    }

    [Test]
    public void Default_HoldsNoDigest()
    {
        var hash = default(ImageHash);
        Assert.That(hash.IsDefault, Is.True);
        Assert.That(hash.ToString(), Is.Empty);
        Assert.That(hash, Is.EqualTo(default(ImageHash)));
        Assert.That(hash.TryFormat(Span<char>.Empty, out var written), Is.True);
        Assert.That(written, Is.Zero);
        Assert.That(() => hash.AsSpan().Length, Throws.InvalidOperationException.With.Message.Contains("default(ImageHash)"));
        Assert.That(() => hash.ToArray(), Throws.InvalidOperationException);
        Assert.That(() => hash.CopyTo(new byte[28]), Throws.InvalidOperationException);
        Assert.That(() => JsonSerializer.Serialize(hash), Throws.InvalidOperationException);
    }

    [Test]
    public void Equality_FollowsTheDigestBytes()
    {
        var a = ImageHash.Parse(Hex);
        var b = ImageHash.Parse(Hex.ToUpperInvariant());
        var c = ImageHash.OfEmptyInput;
        Assert.That(a == b && a.Equals(b) && a.Equals((object)b) && a.GetHashCode() == b.GetHashCode(), Is.True);
        Assert.That(a != c && !a.Equals(c) && !a.Equals((object?)null) && !a.Equals(Hex), Is.True);
        Assert.That(new HashSet<ImageHash> { a, b, c }, Has.Count.EqualTo(2));
    }

    [Test]
    public void CopyTo_WritesDigestAndRejectsShortDestination()
    {
        var hash = ImageHash.Parse(Hex);
        var destination = new byte[30];
        hash.CopyTo(destination.AsSpan(1));
        Assert.That(Convert.ToHexStringLower(destination.AsSpan(1, 28)), Is.EqualTo(Hex));
        Assert.That(() => hash.CopyTo(new byte[27]), Throws.ArgumentException.With.Message.Contains("at least 28 bytes but has room for 27"));
        Assert.That(Convert.ToHexStringLower(hash.AsSpan()), Is.EqualTo(Hex));
    }

    [Test]
    public void TryFormat_ShortDestination_ReturnsFalse()
    {
        var hash = ImageHash.Parse(Hex);
        Assert.That(hash.TryFormat(new char[55], out var chars), Is.False);
        Assert.That(hash.TryFormat(new byte[55], out var bytes), Is.False);
        Assert.That((chars, bytes), Is.EqualTo((0, 0)));
        var utf8 = new byte[56];
        Assert.That(hash.TryFormat(utf8, out bytes) && bytes == 56, Is.True);
        Assert.That(Encoding.ASCII.GetString(utf8), Is.EqualTo(Hex));
    }

    [Test]
    public void ToString_UnsupportedFormat_ThrowsFormatException()
    {
        Assert.That(() => ImageHash.Parse(Hex).ToString("N", null), Throws.TypeOf<FormatException>().With.Message.Contains("Unsupported format 'N'"));
    }

    [Test]
    public void Json_RoundTripsAsStringAndAsDictionaryKey()
    {
        var hash = ImageHash.Parse(Hex);
        Assert.That(JsonSerializer.Serialize(hash), Is.EqualTo($"\"{Hex}\""));
        Assert.That(JsonSerializer.Deserialize<ImageHash>($"\"{Hex.ToUpperInvariant()}\""), Is.EqualTo(hash));
        Assert.That(JsonSerializer.Deserialize<ImageHash>("\"\\u0064646d7b93083d817846c2ae5c62c72ca0507782385a2e29291a3d376\""), Is.EqualTo(hash));
        var map = new Dictionary<ImageHash, int> { [hash] = 1 };
        var json = JsonSerializer.Serialize(map);
        Assert.That(json, Is.EqualTo($"{{\"{Hex}\":1}}"));
        Assert.That(JsonSerializer.Deserialize<Dictionary<ImageHash, int>>(json), Is.EqualTo(map));
    }

    [TestCase("42", "Expected a JSON string holding a SHA3-224 image hash but found Number.")]
    [TestCase("\"abc\"", "but found 3")]
    [TestCase("null", "but found Null")]
    public void Json_Invalid_ThrowsJsonException(string json, string message)
    {
        Assert.That(() => JsonSerializer.Deserialize<ImageHash>(json), Throws.TypeOf<JsonException>().With.Message.Contains(message));
    }

    private static T ParseGeneric<T>(string text)
        where T : ISpanParsable<T> => T.Parse(text.AsSpan(), CultureInfo.InvariantCulture);
}
