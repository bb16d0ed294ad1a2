using System.Runtime.CompilerServices;

namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// Hashes several files at once, up to one per core (a single SHA3 stream cannot use two cores), and hands the
/// outcomes back in argument order. The name <c>-</c> is standard input.
/// </summary>
/// <param name="openStandardInput">Opens what the name <c>-</c> reads.</param>
/// <param name="progress">Receives every file's progress.</param>
/// <param name="concurrency">How many files are hashed at once; by default one per core.</param>
internal sealed class ParallelFileHasher(Func<Stream> openStandardInput, ProgressDisplay progress, int concurrency = 0)
{
    public const string StandardInputName = "-";

    public IReadOnlyList<Task<FileHashOutcome>> Start(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var cores = concurrency > 0 ? concurrency : Math.Max(1, Environment.ProcessorCount);
        var gate = new SemaphoreSlim(cores);

        // One file: the library's overlapped pipeline (the next read in flight while this buffer is hashed). Several:
        // each on a thread of its own with plain reads, so every core hashes what it has just read and no read waits
        // in the thread pool's queue behind busy hashing threads (benchmarks/README.md has the measurement).
        var threadPerFile = names.Count > 1 && cores > 1;
        return names.Select(name => HashOneAsync(name, threadPerFile, gate, cancellationToken)).ToList();
    }

    /// <summary>
    /// Hashes <paramref name="names"/> (<c>-</c> reading this process's standard input) under a progress display on
    /// <paramref name="error"/>, and yields the outcomes in argument order; the display is erased once the caller is done.
    /// </summary>
    public static async IAsyncEnumerable<FileHashOutcome> HashInOrderAsync(
        IReadOnlyList<string> names, TextWriter error, string label, long totalBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var display = ProgressDisplay.Start(error, label, totalBytes);
        await using (display.ConfigureAwait(false))
        {
            foreach (var pending in new ParallelFileHasher(Console.OpenStandardInput, display).Start(names, cancellationToken))
            {
                yield return await pending.ConfigureAwait(false);
            }
        }
    }

    public static long TotalFileBytes(IEnumerable<string> names) =>
        names.Where(n => n != StandardInputName).Sum(n => File.Exists(n) ? new FileInfo(n).Length : 0);

    private async Task<FileHashOutcome> HashOneAsync(string name, bool ownThread, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ownThread
                ? await Task.Factory.StartNew(
                    () => HashAsync(name, synchronously: true, cancellationToken).AsTask(),
                    cancellationToken,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default).Unwrap().ConfigureAwait(false)
                : await HashAsync(name, synchronously: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FileHashOutcome(name, default, 0, Describe(ex));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Hashes one name; with <paramref name="synchronously"/> every read blocks the calling thread.</summary>
    private async ValueTask<FileHashOutcome> HashAsync(string name, bool synchronously, CancellationToken cancellationToken)
    {
        if (name == StandardInputName)
        {
            var stdin = openStandardInput();
            await using (stdin.ConfigureAwait(false))
            {
                var hash = synchronously
                    ? ImageHasher.HashData(stdin)
                    : await ImageHasher.HashDataAsync(stdin, cancellationToken).ConfigureAwait(false);
                return new FileHashOutcome(name, hash, -1, null);
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

        var fileHash = synchronously
            ? ImageHasher.HashFile(name, progress.ForFile(), cancellationToken)
            : await ImageHasher.HashFileAsync(name, progress.ForFile(), cancellationToken).ConfigureAwait(false);
        return new FileHashOutcome(name, fileHash, new FileInfo(name).Length, null);
    }

    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => ex.Message,
    };
}
