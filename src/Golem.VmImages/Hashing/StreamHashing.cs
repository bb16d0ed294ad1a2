using System.Buffers;

namespace Golem.VmImages.Hashing;

/// <summary>Feeds streams and files to an <see cref="ImageHasher"/> through large pooled buffers.</summary>
internal static class StreamHashing
{
    /// <summary>The read size; see <c>benchmarks/README.md</c> for the measurement behind it.</summary>
    public const int BufferSize = 1 << 20;

    /// <summary>How many bytes pass between two progress reports.</summary>
    public const long ProgressInterval = 16L << 20;

    public static void AppendAll(ImageHasher hasher, Stream source)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = source.Read(buffer, 0, BufferSize)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async ValueTask AppendAllAsync(ImageHasher hasher, Stream source, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var nextReport = ProgressInterval;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                if (progress is not null && hasher.BytesHashed >= nextReport)
                {
                    progress.Report(hasher.BytesHashed);
                    nextReport = hasher.BytesHashed + ProgressInterval;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            progress?.Report(hasher.BytesHashed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async ValueTask AppendFileAsync(ImageHasher hasher, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = 0,
        });
        await using (file.ConfigureAwait(false))
        {
            await AppendAllAsync(hasher, file, progress, cancellationToken).ConfigureAwait(false);
        }
    }
}
