namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// <c>gvmi check</c> / <c>gvmi hash -c</c>: re-hashes every file listed in <c>sha3sum -a 224</c> format and prints
/// <c>FILE: OK</c>, <c>FILE: FAILED</c> or <c>FILE: FAILED open or read</c>, with a summary on standard error.
/// </summary>
internal static class ChecksumVerifier
{
    public static async Task<int> RunAsync(string sumsFile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = sumsFile == ParallelFileHasher.StandardInputName
                ? (await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Split('\n')
                : await File.ReadAllLinesAsync(sumsFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"gvmi: {sumsFile}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var expected = new List<(string File, ImageHash Hash)>();
        var malformed = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (ChecksumLine.TryParse(line, out var hash, out var file))
            {
                expected.Add((file, hash));
            }
            else
            {
                malformed++;
                await error.WriteLineAsync($"gvmi: {sumsFile}: line {i + 1}: improperly formatted SHA3-224 checksum line").ConfigureAwait(false);
            }
        }

        if (expected.Count == 0)
        {
            await error.WriteLineAsync($"gvmi: {sumsFile}: no properly formatted SHA3-224 checksum lines found").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var (mismatched, unreadable) = await VerifyAsync(expected, output, error, cancellationToken).ConfigureAwait(false);
        await WriteWarningAsync(error, malformed, "line is", "lines are", "improperly formatted").ConfigureAwait(false);
        await WriteWarningAsync(error, unreadable, "listed file", "listed files", "could not be read").ConfigureAwait(false);
        await WriteWarningAsync(error, mismatched, "computed checksum", "computed checksums", "did NOT match").ConfigureAwait(false);
        if (malformed + unreadable + mismatched == 0)
        {
            await error.WriteLineAsync($"gvmi: {expected.Count} of {expected.Count} files OK").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        return ExitCodes.Failure;
    }

    private static async Task<(int Mismatched, int Unreadable)> VerifyAsync(
        List<(string File, ImageHash Hash)> expected, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var files = expected.Select(e => e.File).ToList();
        int mismatched = 0, unreadable = 0, i = 0;
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(files, error, "checking", ParallelFileHasher.TotalFileBytes(files), cancellationToken).ConfigureAwait(false))
        {
            var wanted = expected[i++].Hash;
            string verdict;
            if (!outcome.Succeeded)
            {
                unreadable++;
                await error.WriteLineAsync($"gvmi: {outcome.Name}: {outcome.Error}").ConfigureAwait(false);
                verdict = "FAILED open or read";
            }
            else if (outcome.Hash != wanted)
            {
                mismatched++;
                verdict = "FAILED";
            }
            else
            {
                verdict = "OK";
            }

            await output.WriteLineAsync($"{outcome.Name}: {verdict}").ConfigureAwait(false);
        }

        return (mismatched, unreadable);
    }

    private static Task WriteWarningAsync(TextWriter error, int count, string singular, string plural, string what) =>
        count == 0
            ? Task.CompletedTask
            : error.WriteLineAsync($"gvmi: WARNING: {count} {(count == 1 ? singular : plural)} {what}");
}
