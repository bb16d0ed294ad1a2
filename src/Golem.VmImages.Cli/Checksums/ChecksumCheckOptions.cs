namespace Golem.VmImages.Cli.Checksums;

/// <summary>How <c>gvmi check</c> reads and reports, as <c>sha256sum -c</c>'s switches of the same names.</summary>
/// <param name="BitLength">Accept only lines of this SHA3 length; null accepts 224, 256, 384 and 512.</param>
/// <param name="Quiet">Don't print OK for each verified file.</param>
/// <param name="Status">Print nothing on standard output and no summary; the exit code tells.</param>
/// <param name="Strict">Exit 1 when a line is improperly formatted.</param>
/// <param name="IgnoreMissing">Neither fail nor report for a listed file that does not exist.</param>
/// <param name="Warn">Report each improperly formatted line.</param>
internal sealed record ChecksumCheckOptions(
    int? BitLength = null, bool Quiet = false, bool Status = false, bool Strict = false, bool IgnoreMissing = false, bool Warn = false);
