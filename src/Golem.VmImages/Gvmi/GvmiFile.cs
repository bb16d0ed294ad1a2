using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Golem.VmImages.Gvmi;

/// <summary>
/// Reads and writes the .gvmi layout gvmkit-build produces: <c>[squashfs image][CRC-32 (IEEE) of the JSON, 4 bytes
/// little-endian][container config JSON][length of the JSON as 8 ASCII decimal digits]</c>.
/// </summary>
public static class GvmiFile
{
    /// <summary>The length of the trailing length field: 8 ASCII digits.</summary>
    public const int LengthFieldSize = 8;

    /// <summary>The length of the CRC-32 before the JSON: 4 bytes.</summary>
    public const int CrcSize = 4;

    /// <summary>The largest metadata JSON the 8-digit length field can describe: 99,999,999 bytes.</summary>
    public const int MaxConfigLength = 99_999_999;

    private const int BufferSize = 1 << 20;

    private static ReadOnlySpan<byte> SquashfsMagic => "hsqs"u8;

    /// <summary>Reads and checks the metadata trailer of a .gvmi file, seeking to its end (the image itself is not read).</summary>
    /// <param name="path">The .gvmi file.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The metadata.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="GvmiTooSmallException">The file cannot hold a trailer.</exception>
    /// <exception cref="GvmiLengthFieldException">The length field is not 8 digits or is larger than the file.</exception>
    /// <exception cref="GvmiCrcMismatchException">The stored CRC-32 does not match the JSON.</exception>
    /// <exception cref="GvmiConfigException">The JSON is not a valid container config.</exception>
    /// <exception cref="GvmiSquashfsException">The file does not start with a squashfs 4.0 superblock the provider can mount (magic, version, <c>bytes_used</c> within the file, gzip, lzo, lz4 or xz compression).</exception>
    /// <exception cref="IOException">The file cannot be read, or is not a regular file (a FIFO, a socket, a device or a directory is refused before it is opened).</exception>
    public static Task<GvmiMetadata> ReadMetadataAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadMetadataFromFileAsync(path, cancellationToken);
    }

    /// <summary>Reads and checks the metadata trailer of a .gvmi image held in a seekable stream (the position is changed).</summary>
    /// <param name="stream">A readable, seekable stream holding the whole file.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The metadata.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable and seekable.</exception>
    /// <exception cref="GvmiFormatException">The trailer is missing or corrupt (see the specific exceptions).</exception>
    public static Task<GvmiMetadata> ReadMetadataAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException(ErrorMessages.StreamNotSeekable, nameof(stream));
        }

        return ReadMetadataCoreAsync(stream, "(stream)", cancellationToken);
    }

    /// <summary>
    /// Builds a .gvmi from a squashfs image and a container config, as gvmkit-build's last step does: copies the
    /// squashfs image and appends the trailer, hashing everything in the same pass.
    /// </summary>
    /// <param name="squashfs">The squashfs image, read from its current position to its end; must start with <c>hsqs</c>.</param>
    /// <param name="config">The container config to store.</param>
    /// <param name="destination">Where to write the .gvmi.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The image hash and sizes of what was written.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="squashfs"/> is not readable, or <paramref name="destination"/> is not writable.</exception>
    /// <exception cref="InvalidDataException"><paramref name="squashfs"/> does not start with the squashfs magic.</exception>
    public static Task<GvmiWriteResult> WriteAsync(Stream squashfs, GvmiContainerConfig config, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(squashfs);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(destination);
        if (!squashfs.CanRead)
        {
            throw new ArgumentException(ErrorMessages.StreamNotReadable, nameof(squashfs));
        }

        if (!destination.CanWrite)
        {
            throw new ArgumentException(ErrorMessages.StreamNotWritable, nameof(destination));
        }

        var json = config.ToJsonUtf8();
        if (json.Length > MaxConfigLength)
        {
            throw new ArgumentException(ErrorMessages.GvmiConfigTooLarge(json.Length), nameof(config));
        }

        return WriteCoreAsync(squashfs, json, destination, cancellationToken);
    }

    /// <summary>Builds a .gvmi file from a squashfs file and a container config (see <see cref="WriteAsync(Stream, GvmiContainerConfig, Stream, CancellationToken)"/>).</summary>
    /// <param name="squashfsPath">The squashfs image made by <c>mksquashfs</c>.</param>
    /// <param name="config">The container config to store.</param>
    /// <param name="outputPath">The .gvmi file to create or overwrite.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The image hash and sizes of what was written.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A path is empty.</exception>
    /// <exception cref="InvalidDataException">The input is not a squashfs image.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    /// <remarks>
    /// The file is written under a temporary name beside <paramref name="outputPath"/> and renamed when complete, so a
    /// failure leaves neither a partial file nor a changed <paramref name="outputPath"/>.
    /// </remarks>
    public static Task<GvmiWriteResult> CreateAsync(string squashfsPath, GvmiContainerConfig config, string outputPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(squashfsPath);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        return CreateCoreAsync(squashfsPath, config, outputPath, cancellationToken);
    }

    private static async Task<GvmiWriteResult> CreateCoreAsync(string squashfsPath, GvmiContainerConfig config, string outputPath, CancellationToken cancellationToken)
    {
        var input = new FileStream(squashfsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            // Write beside the target and rename at the end: a failure never leaves a partial .gvmi under the name a
            // publisher serves, and never destroys a file already there.
            var temporaryPath = string.Concat(outputPath, ".", Guid.NewGuid().ToString("N")[..8], ".tmp");
            try
            {
                GvmiWriteResult result;
                var output = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    result = await WriteAsync(input, config, output, cancellationToken).ConfigureAwait(false);
                }

                File.Move(temporaryPath, outputPath, overwrite: true);
                return result;
            }
            catch
            {
                File.Delete(temporaryPath);
                throw;
            }
        }
    }

    private static async Task<GvmiWriteResult> WriteCoreAsync(Stream squashfs, byte[] json, Stream destination, CancellationToken cancellationToken)
    {
        using var hasher = new ImageHasher();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var head = new byte[SquashfsMagic.Length];
        long squashfsLength = 0;
        try
        {
            int read;
            while ((read = await squashfs.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (squashfsLength < head.Length)
                {
                    // The magic may arrive over several reads: collect it before judging it, and before writing anything.
                    var take = (int)Math.Min(head.Length - squashfsLength, read);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan((int)squashfsLength));
                    var seen = head.AsSpan(0, (int)squashfsLength + take);
                    if (!seen.SequenceEqual(SquashfsMagic[..seen.Length]))
                    {
                        throw new InvalidDataException(ErrorMessages.GvmiNotSquashfs(Convert.ToHexString(seen)));
                    }
                }

                hasher.Append(buffer.AsSpan(0, read));
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                squashfsLength += read;
            }

            if (squashfsLength < head.Length)
            {
                throw new InvalidDataException(ErrorMessages.GvmiNotSquashfs(squashfsLength == 0 ? "(none)" : Convert.ToHexString(head, 0, (int)squashfsLength)));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var crc = System.IO.Hashing.Crc32.HashToUInt32(json);
        var trailer = new byte[CrcSize + json.Length + LengthFieldSize];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        json.CopyTo(trailer, CrcSize);
        Encoding.ASCII.GetBytes(json.Length.ToString("D8", CultureInfo.InvariantCulture), trailer.AsSpan(CrcSize + json.Length));
        hasher.Append(trailer);
        await destination.WriteAsync(trailer, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new GvmiWriteResult(hasher.GetHashAndReset(), squashfsLength + trailer.Length, squashfsLength, crc);
    }

    private static async Task<GvmiMetadata> ReadMetadataFromFileAsync(string path, CancellationToken cancellationToken)
    {
        if (NonRegularFile.Describe(path) is { } kind)
        {
            throw new IOException(ErrorMessages.GvmiNotRegularFile(path, kind));
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.RandomAccess);
        await using (file.ConfigureAwait(false))
        {
            return await ReadMetadataCoreAsync(file, path, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<GvmiMetadata> ReadMetadataCoreAsync(Stream stream, string source, CancellationToken cancellationToken)
    {
        var fileLength = stream.Length;
        const int Minimum = CrcSize + LengthFieldSize;
        if (fileLength < Minimum)
        {
            throw new GvmiTooSmallException(ErrorMessages.GvmiTooSmall(source, fileLength, Minimum), fileLength);
        }

        var lengthField = new byte[LengthFieldSize];
        stream.Seek(-LengthFieldSize, SeekOrigin.End);
        await stream.ReadExactlyAsync(lengthField, cancellationToken).ConfigureAwait(false);
        var metadataLength = 0;
        foreach (var b in lengthField)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                var shown = string.Concat(lengthField.Select(c => c is >= 0x20 and < 0x7f ? (char)c : '?'));
                throw new GvmiLengthFieldException(ErrorMessages.GvmiLengthFieldNotDigits(source, shown), shown);
            }

            metadataLength = (metadataLength * 10) + (b - '0');
        }

        if (metadataLength + (long)Minimum > fileLength)
        {
            throw new GvmiLengthFieldException(ErrorMessages.GvmiLengthFieldTooLarge(source, metadataLength, fileLength), Encoding.ASCII.GetString(lengthField));
        }

        var crcAndJson = new byte[CrcSize + metadataLength];
        stream.Seek(-(Minimum + (long)metadataLength), SeekOrigin.End);
        await stream.ReadExactlyAsync(crcAndJson, cancellationToken).ConfigureAwait(false);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(crcAndJson);
        var json = crcAndJson.AsMemory(CrcSize);
        var computed = System.IO.Hashing.Crc32.HashToUInt32(json.Span);
        if (stored != computed)
        {
            throw new GvmiCrcMismatchException(ErrorMessages.GvmiCrcMismatch(source, stored, computed), stored, computed);
        }

        GvmiContainerConfig config;
        string configJson;
        try
        {
            configJson = new UTF8Encoding(false, true).GetString(json.Span);
            config = GvmiContainerConfig.Parse(json.Span);
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException)
        {
            throw new GvmiConfigException(ErrorMessages.GvmiConfigJson(source, ex.Message), ex);
        }

        var squashfsLength = fileLength - Minimum - metadataLength;
        var superblock = new byte[(int)Math.Min(MountableSquashfs.Size, squashfsLength)];
        stream.Seek(0, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(superblock, cancellationToken).ConfigureAwait(false);
        MountableSquashfs.Check(superblock, squashfsLength, source);
        return new GvmiMetadata(config, configJson, stored, fileLength, squashfsLength, HasSquashfsMagic: true);
    }
}
