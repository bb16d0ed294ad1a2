namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// Hashes several files at once, up to one per core (a single SHA3 stream cannot use two cores), and hands the
/// outcomes back in argument order. The name <c>-</c> is standard input.
/// </summary>
internal sealed class ParallelFileHasher(Func<Stream> openStandardInput, ProgressDisplay progress)
{
    public const string StandardInputName = "-";

    public IReadOnlyList<Task<FileHashOutcome>> Start(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var gate = new SemaphoreSlim(Math.Max(1, Environment.ProcessorCount));
        return names.Select(name => HashOneAsync(name, gate, cancellationToken)).ToList();
    }

    public static long TotalFileBytes(IEnumerable<string> names) =>
        names.Where(n => n != StandardInputName).Sum(n => File.Exists(n) ? new FileInfo(n).Length : 0);

    private async Task<FileHashOutcome> HashOneAsync(string name, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (name == StandardInputName)
            {
                var stdin = openStandardInput();
                await using (stdin.ConfigureAwait(false))
                {
                    var hash = await ImageHasher.HashDataAsync(stdin, cancellationToken).ConfigureAwait(false);
                    return new FileHashOutcome(name, hash, -1, null);
                }
            }

            if (Directory.Exists(name))
            {
                return new FileHashOutcome(name, default, 0, "Is a directory");
            }

            var fileHash = await ImageHasher.HashFileAsync(name, progress.ForFile(), cancellationToken).ConfigureAwait(false);
            return new FileHashOutcome(name, fileHash, new FileInfo(name).Length, null);
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

    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => ex.Message,
    };
}
