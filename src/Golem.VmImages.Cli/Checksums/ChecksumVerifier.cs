using System.Globalization;

namespace Golem.VmImages.Cli.Checksums;

/// <summary>
/// <c>gvmi check</c> / <c>gvmi hash -c</c>: re-hashes every file listed in <c>sha3sum</c> format and prints
/// <c>FILE: OK</c>, <c>FILE: FAILED</c> or <c>FILE: FAILED open or read</c>, with coreutils' warnings on standard
/// error and its exit codes.
/// </summary>
internal static class ChecksumVerifier
{
    public static async Task<int> RunAsync(
        IReadOnlyList<string> sumsFiles, ChecksumCheckOptions options, TextWriter output, TextWriter error, ProgressSettings progress, CancellationToken cancellationToken)
    {
        var failed = false;
        foreach (var sumsFile in sumsFiles.Count == 0 ? [ParallelFileHasher.StandardInputName] : sumsFiles)
        {
            failed |= !await CheckOneAsync(sumsFile, options, output, error, progress, cancellationToken).ConfigureAwait(false);
        }

        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static async Task<bool> CheckOneAsync(
        string sumsFile, ChecksumCheckOptions options, TextWriter output, TextWriter error, ProgressSettings progress, CancellationToken cancellationToken)
    {
        var shownSumsFile = Show(sumsFile);
        string[] lines;
        try
        {
            lines = await ReadLinesAsync(sumsFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"gvmi: {shownSumsFile}: {Commands.ErrorText.Describe(ex)}").ConfigureAwait(false);
            return false;
        }

        var expected = new List<(string File, Sha3Digest Digest)>();
        var malformed = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (ChecksumLine.TryParse(line, options.BitLength, out var digest, out var file))
            {
                expected.Add((file, digest));
                continue;
            }

            malformed++;
            if (options.Warn)
            {
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"gvmi: {shownSumsFile}: {i + 1}: improperly formatted {AlgorithmLabel(options)} checksum line")).ConfigureAwait(false);
            }
        }

        if (expected.Count == 0)
        {
            await error.WriteLineAsync($"gvmi: {shownSumsFile}: no properly formatted checksum lines found").ConfigureAwait(false);
            return false;
        }

        var (mismatched, unreadable, verified) = await VerifyAsync(expected, options, output, error, progress, cancellationToken).ConfigureAwait(false);
        if (!options.Status)
        {
            await WriteWarningAsync(error, malformed, "line is", "lines are", "improperly formatted").ConfigureAwait(false);
            await WriteWarningAsync(error, unreadable, "listed file", "listed files", "could not be read").ConfigureAwait(false);
            await WriteWarningAsync(error, mismatched, "computed checksum", "computed checksums", "did NOT match").ConfigureAwait(false);
        }

        if (options.IgnoreMissing && verified == 0)
        {
            await error.WriteLineAsync($"gvmi: {shownSumsFile}: no file was verified").ConfigureAwait(false);
            return false;
        }

        return mismatched + unreadable == 0 && !(options.Strict && malformed > 0);
    }

    private static async Task<string[]> ReadLinesAsync(string sumsFile, CancellationToken cancellationToken)
    {
        if (sumsFile == ParallelFileHasher.StandardInputName)
        {
            return (await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Split('\n');
        }

        if (Directory.Exists(sumsFile))
        {
            throw new IOException("Is a directory");
        }

        return (await File.ReadAllTextAsync(sumsFile, cancellationToken).ConfigureAwait(false)).Split('\n');
    }

    private static async Task<(int Mismatched, int Unreadable, int Verified)> VerifyAsync(
        List<(string File, Sha3Digest Digest)> expected, ChecksumCheckOptions options, TextWriter output, TextWriter error, ProgressSettings progress, CancellationToken cancellationToken)
    {
        if (options.IgnoreMissing)
        {
            expected = expected.FindAll(e => e.File == ParallelFileHasher.StandardInputName || Path.Exists(e.File));
        }

        var files = expected.ConvertAll(e => e.File);
        var lengths = expected.ConvertAll(e => e.Digest.BitLength);
        int mismatched = 0, unreadable = 0, verified = 0, i = 0;
        var display = ProgressDisplay.Start(error, "checking", ParallelFileHasher.TotalFileBytes(files), progress with { Output = output }, cancellationToken);
        await foreach (var outcome in ParallelFileHasher.HashInOrderAsync(files, lengths, display, null, cancellationToken).ConfigureAwait(false))
        {
            var wanted = expected[i++].Digest;
            string verdict;
            if (!outcome.Succeeded)
            {
                unreadable++;
                await display.WriteLineAsync(error, $"gvmi: {Show(outcome.Name)}: {outcome.Error}").ConfigureAwait(false);
                verdict = "FAILED open or read";
            }
            else if (outcome.Digest != wanted)
            {
                mismatched++;
                verified++;
                verdict = "FAILED";
            }
            else
            {
                verified++;
                if (options.Quiet)
                {
                    continue;
                }

                verdict = "OK";
            }

            if (!options.Status)
            {
                var name = ChecksumLine.EscapeVerdictName(outcome.Name, out var escaped);
                await display.WriteLineAsync(output, $"{(escaped ? "\\" : string.Empty)}{TerminalText.Escape(name)}: {verdict}").ConfigureAwait(false);
            }
        }

        return (mismatched, unreadable, verified);
    }

    private static string AlgorithmLabel(ChecksumCheckOptions options) =>
        options.BitLength is { } bits ? ChecksumLine.AlgorithmName(bits) : "SHA3";

    /// <summary>A name as diagnostics show it: control characters escaped.</summary>
    private static string Show(string name) => TerminalText.Escape(name);

    private static Task WriteWarningAsync(TextWriter error, int count, string singular, string plural, string what) =>
        count == 0
            ? Task.CompletedTask
            : error.WriteLineAsync($"gvmi: WARNING: {count} {(count == 1 ? singular : plural)} {what}");
}
