using System.Diagnostics;
using System.Globalization;
using System.Text;
using Golem.VmImages.Building.Tar;

namespace Golem.VmImages.Building.Squashfs;

/// <summary>Runs <c>tar2sqfs</c> or <c>sqfstar</c> with the tar stream on its standard input.</summary>
internal sealed class SquashfsToolRunner : IAsyncDisposable
{
    private const int StderrTail = 4096;

    /// <summary>errno ENOSPC, the <see cref="Exception.HResult"/> .NET gives an <see cref="IOException"/> for a full disk on Unix.</summary>
    private const int NoSpaceErrno = 28;

    /// <summary>Less free space than this after a failed run means the tool ran out of room (a few squashfs blocks and their metadata).</summary>
    private const long FullVolumeSlack = 2L << 20;

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly string _name;
    private readonly string _outputDirectory;

    private SquashfsToolRunner(Process process, string name, string outputDirectory)
    {
        _outputDirectory = outputDirectory;
        _process = process;
        _name = name;
        _stderr = ReadTailAsync(process.StandardError);
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        Input = new BufferedStream(process.StandardInput.BaseStream, 1 << 20);
    }

    /// <summary>Gets the tool's standard input.</summary>
    public Stream Input { get; }

    /// <summary>Finds the tool's executable: the configured path, else the tool's name on <c>PATH</c>.</summary>
    public static string Locate(GvmiBuildOptions options)
    {
        var (name, package) = options.Tool == SquashfsTool.Tar2Sqfs ? ("tar2sqfs", "squashfs-tools-ng") : ("sqfstar", "squashfs-tools");
        if (options.ToolPath is { } path)
        {
            return File.Exists(path) ? path : throw new ImageBuildException(ErrorMessages.BuildToolMissing(path, package));
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ImageBuildException(ErrorMessages.BuildToolMissing(name, package));
    }

    public static SquashfsToolRunner Start(string executable, GvmiBuildOptions options, TarEntry root, string outputPath)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var epoch = options.SourceDateEpoch.ToString(CultureInfo.InvariantCulture);
        start.Environment["SOURCE_DATE_EPOCH"] = epoch;
        var compression = options.Compression.ToString().ToLowerInvariant();
        var jobs = (options.Processors ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture);
        var blockSize = options.BlockSize.ToString(CultureInfo.InvariantCulture);
        var arguments = start.ArgumentList;
        if (options.Tool == SquashfsTool.Tar2Sqfs)
        {
            foreach (var argument in (string[])["--quiet", "--force", "--no-skip", "--compressor", compression, "--block-size", blockSize, "--num-jobs", jobs])
            {
                arguments.Add(argument);
            }

            var extra = options.Compression switch
            {
                SquashfsCompression.Lz4 => "hc",
                _ when options.CompressionLevel is { } level => "level=" + level.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            if (extra is not null)
            {
                arguments.Add("--comp-extra");
                arguments.Add(extra);
            }
        }
        else
        {
            foreach (var argument in (string[])["-quiet", "-no-progress", "-comp", compression, "-b", blockSize, "-processors", jobs,
                "-root-mode", Convert.ToString(root.Mode, 8), "-root-uid", root.Uid.ToString(CultureInfo.InvariantCulture), "-root-gid", root.Gid.ToString(CultureInfo.InvariantCulture)])
            {
                arguments.Add(argument);
            }

            if (options.Compression == SquashfsCompression.Lz4)
            {
                arguments.Add("-Xhc");
            }
            else if (options.CompressionLevel is { } level)
            {
                arguments.Add("-Xcompression-level");
                arguments.Add(level.ToString(CultureInfo.InvariantCulture));
            }
        }

        arguments.Add(outputPath);
        var process = Process.Start(start) ?? throw new ImageBuildException(ErrorMessages.BuildToolMissing(executable, "squashfs-tools-ng"));
        return new SquashfsToolRunner(process, Path.GetFileName(executable), Path.GetDirectoryName(Path.GetFullPath(outputPath)) ?? ".");
    }

    /// <summary>Closes the tool's input and waits for it; throws with its error output if it failed.</summary>
    /// <param name="inputFailure">An exception writing the input raised, reported only if the tool itself succeeded.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task CompleteAsync(Exception? inputFailure, CancellationToken cancellationToken)
    {
        if (inputFailure is null)
        {
            await Input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await Input.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The tool closed its input first: its exit code and message say why.
        }

        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var stderr = await _stderr.ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            // The tools say only "I/O error" when the output volume fills up: the cause names the volume, as errno would.
            var full = new DriveInfo(_outputDirectory).AvailableFreeSpace < FullVolumeSlack;
            throw new ImageBuildException(
                ErrorMessages.BuildToolFailed(_name, _process.ExitCode, stderr.Trim()),
                full ? new IOException(ErrorMessages.BuildVolumeFull(_outputDirectory), NoSpaceErrno) : null);
        }

        if (inputFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inputFailure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[1024];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > StderrTail)
            {
                tail.Remove(0, tail.Length - StderrTail);
            }
        }

        return tail.ToString();
    }
}
