using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Tests.Cli;

namespace Golem.VmImages.Tests.Gvmi;

/// <summary>
/// A mutation fuzz of the .gvmi reader: thousands of mutants of valid images (bit flips, byte changes, cuts,
/// insertions, length fields and JSON edits, most with the CRC fixed up so the JSON parser is reached) must each be
/// read or refused with a <see cref="GvmiFormatException"/>, never anything else. Fixed seed, bounded count and time.
/// </summary>
public class GvmiReaderFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples", "hello.gvmi")),
        HostileInputTests.Build("""{"Env":["A=1","PATH=/bin"],"Cmd":["/bin/sh","-c","echo \u00e9"],"Volumes":{"/data":{}},"Labels":{"k":"v"},"WorkingDir":"/w"}"""u8.ToArray()),
    ];

    private static readonly string[] JsonFragments = ["\\ud800", "\\udfff", "\"", "{", "}", "[", "]", ":", ",", "null", "1e999", "\\u0000", "\u00ff", "\\", "true"];

    [Test]
    [CancelAfter(120_000)]
    public async Task ReadMetadataAsync_Mutants_AreReadOrRefusedWithGvmiFormatException()
    {
        var random = new Random(20261202);
        var clock = Stopwatch.StartNew();
        var (read, refused) = (0, 0);
        for (var i = 0; i < 5000 && clock.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            var mutant = Mutate(Seeds[random.Next(Seeds.Length)], random);
            try
            {
                using var stream = new MemoryStream(mutant);
                var metadata = await GvmiFile.ReadMetadataAsync(stream);
                _ = metadata.Config.Env.Count + metadata.FileLength;
                read++;
            }
            catch (GvmiFormatException)
            {
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"Mutant {i} ({mutant.Length} bytes) threw {ex.GetType().Name}: {ex.Message}\n{Convert.ToBase64String(mutant)}");
            }
        }

        Assert.That(read + refused, Is.GreaterThanOrEqualTo(1000), "too few mutants in the time allowed");
        Assert.That(read, Is.GreaterThan(0), "no mutant was readable: the mutations never reach the config parser");
        Assert.That(refused, Is.GreaterThan(0));
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        var trailerStart = Math.Max(0, bytes.Count - 8 - JsonLength(seed) - 4);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var start = Math.Min(trailerStart, bytes.Count - 1);
            var inTrailer = random.Next(bytes.Count - start) + start;
            switch (random.Next(7))
            {
                case 0:
                    bytes[inTrailer] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[inTrailer] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(random.Next(bytes.Count), 1);
                    break;
                case 3:
                    bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                    break;
                case 4:
                    bytes.InsertRange(Math.Min(bytes.Count, inTrailer), System.Text.Encoding.UTF8.GetBytes(JsonFragments[random.Next(JsonFragments.Length)]));
                    break;
                case 5:
                    var digits = random.Next(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
                    for (var d = 0; d < 8 && bytes.Count >= 8; d++)
                    {
                        bytes[bytes.Count - 8 + d] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)digits[d];
                    }

                    break;
                default:
                    bytes.InsertRange(Math.Min(bytes.Count, inTrailer), new byte[random.Next(1, 16)]);
                    break;
            }
        }

        var result = bytes.ToArray();
        if (random.Next(4) != 0)
        {
            FixTrailer(result);
        }

        return result;
    }

    private static int JsonLength(byte[] image) =>
        image.Length >= 8 && int.TryParse(System.Text.Encoding.ASCII.GetString(image, image.Length - 8, 8), out var length) ? length : 0;

    /// <summary>Rewrites the length field and CRC for the JSON between the CRC and the length field, so the mutant reaches the JSON parser.</summary>
    private static void FixTrailer(byte[] image)
    {
        var jsonLength = JsonLength(image);
        var crcAt = image.Length - 8 - jsonLength - 4;
        if (crcAt < 0)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(crcAt), Crc32.HashToUInt32(image.AsSpan(crcAt + 4, jsonLength)));
    }
}
