using System.Runtime.CompilerServices;

namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// Hashes several files at once, up to one per core (a single SHA3 stream cannot use two cores), and hands the
/// outcomes back in argument order. The name <c>-</c> is standard input.
/// </summary>
/// <param name="openStandardInput">Opens what the name <c>-</c> reads.</param>
/// <param name="progress">Receives every file's progress.</param>
/// <param name="concurrency">How many files are hashed at once; by default one per core.</param>
/// <param name="bitLength">The SHA3 length: 224 (the image hash), 256, 384 or 512.</param>
/// <param name="store">Remembers the image hash of each file that held still while it was hashed, or <see langword="null"/>.</param>
internal sealed class ParallelFileHasher(Func<Stream> openStandardInput, ProgressDisplay progress, int concurrency = 0, int bitLength = ImageHash.SizeInBytes * 8, FileHashStore? store = null)
{
    public const string StandardInputName = "-";

    public IReadOnlyList<Task<FileHashOutcome>> Start(IReadOnlyList<string> names, CancellationToken cancellationToken) =>
        Start(names, names.Select(_ => bitLength).ToList(), cancellationToken);

    /// <summary>Starts hashing each name with the SHA3 length at the same index of <paramref name="bitLengths"/>.</summary>
    public IReadOnlyList<Task<FileHashOutcome>> Start(IReadOnlyList<string> names, IReadOnlyList<int> bitLengths, CancellationToken cancellationToken)
    {
        var cores = concurrency > 0 ? concurrency : Math.Max(1, Environment.ProcessorCount);
        var gate = new SemaphoreSlim(cores);

        // One file: the library's overlapped pipeline (the next read in flight while this buffer is hashed). Several:
        // each on a thread of its own with plain reads, so every core hashes what it has just read and no read waits
        // in the thread pool's queue behind busy hashing threads (benchmarks/README.md has the measurement).
        var threadPerFile = names.Count > 1 && cores > 1;
        var hashes = names.Select((name, i) => HashOneAsync(name, bitLengths[i], threadPerFile, gate, cancellationToken)).ToList();

        // Every hash releases the gate before its task completes, so once all have completed it is free to go.
        _ = Task.WhenAll(hashes).ContinueWith(_ => gate.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return hashes;
    }

    /// <summary>
    /// Hashes <paramref name="names"/> (<c>-</c> reading this process's standard input) under a progress display on
    /// <paramref name="error"/>, and yields the outcomes in argument order; the display is erased once the caller is done.
    /// </summary>
    public static IAsyncEnumerable<FileHashOutcome> HashInOrderAsync(
        IReadOnlyList<string> names, TextWriter error, string label, long totalBytes, CancellationToken cancellationToken) =>
        HashInOrderAsync(names, names.Select(_ => ImageHash.SizeInBytes * 8).ToList(), ProgressDisplay.Start(error, label, totalBytes), null, cancellationToken);

    /// <summary>
    /// Hashes each of <paramref name="names"/> with the SHA3 length at the same index of <paramref name="bitLengths"/>
    /// under <paramref name="display"/>, and yields the outcomes in argument order; the display is disposed once the
    /// caller is done. Image hashes of files are remembered in <paramref name="store"/> when one is given.
    /// </summary>
    public static async IAsyncEnumerable<FileHashOutcome> HashInOrderAsync(
        IReadOnlyList<string> names, IReadOnlyList<int> bitLengths, ProgressDisplay display, FileHashStore? store, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (display.ConfigureAwait(false))
        {
            foreach (var pending in new ParallelFileHasher(Console.OpenStandardInput, display, store: store).Start(names, bitLengths, cancellationToken))
            {
                yield return await pending.ConfigureAwait(false);
            }
        }
    }

    public static long TotalFileBytes(IEnumerable<string> names) =>
        names.Where(n => n != StandardInputName).Sum(n => File.Exists(n) ? new FileInfo(n).Length : 0);

    private async Task<FileHashOutcome> HashOneAsync(string name, int bits, bool ownThread, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ownThread
                ? await Task.Factory.StartNew(
                    () => HashAsync(name, bits, synchronously: true, cancellationToken).AsTask(),
                    cancellationToken,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default).Unwrap().ConfigureAwait(false)
                : await HashAsync(name, bits, synchronously: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FileHashOutcome(name, default, 0, Commands.ErrorText.Describe(ex));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Hashes one name; with <paramref name="synchronously"/> every read blocks the calling thread. A pipe or device
    /// (<c>/dev/stdin</c>, <c>&lt;(cmd)</c>) is hashed as the stream it is, read once.
    /// </summary>
    private async ValueTask<FileHashOutcome> HashAsync(string name, int bits, bool synchronously, CancellationToken cancellationToken)
    {
        if (name == StandardInputName)
        {
            var stdin = openStandardInput();
            await using (stdin.ConfigureAwait(false))
            {
                return new FileHashOutcome(name, await HashStreamAsync(stdin, bits, synchronously, null, cancellationToken).ConfigureAwait(false), -1, null);
            }
        }

        if (name.Length == 0)
        {
            return new FileHashOutcome(name, default, 0, "No such file or directory");
        }

        if (Directory.Exists(name))
        {
            return new FileHashOutcome(name, default, 0, "Is a directory");
        }

        var file = new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            if (!file.CanSeek)
            {
                return new FileHashOutcome(name, await HashStreamAsync(file, bits, synchronously, null, cancellationToken).ConfigureAwait(false), -1, null);
            }

            var length = file.Length;
            if (bits != ImageHash.SizeInBytes * 8)
            {
                return new FileHashOutcome(name, await HashStreamAsync(file, bits, synchronously, progress.ForFile(), cancellationToken).ConfigureAwait(false), length, null);
            }
        }

        var fileHash = (synchronously, store) switch
        {
            (true, null) => ImageHasher.HashFile(name, progress.ForFile(), cancellationToken),
            (true, _) => store.Hash(name, progress.ForFile(), cancellationToken),
            (false, null) => await ImageHasher.HashFileAsync(name, progress.ForFile(), cancellationToken).ConfigureAwait(false),
            (false, _) => await store.HashAsync(name, progress.ForFile(), cancellationToken).ConfigureAwait(false),
        };
        return new FileHashOutcome(name, fileHash, new FileInfo(name).Length, null);
    }

    private static async ValueTask<Sha3Digest> HashStreamAsync(Stream stream, int bits, bool synchronously, IProgress<long>? fileProgress, CancellationToken cancellationToken) =>
        synchronously
            ? Sha3Digest.HashData(stream, bits, fileProgress, cancellationToken)
            : await Sha3Digest.HashDataAsync(stream, bits, fileProgress, cancellationToken).ConfigureAwait(false);
}
