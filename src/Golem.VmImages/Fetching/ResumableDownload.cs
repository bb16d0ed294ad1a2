using System.Net;
using Golem.VmImages.Hashing;
using Golem.VmImages.Http;

namespace Golem.VmImages.Fetching;

/// <summary>What the bytes of a <see cref="ResumableDownload"/>'s partial file are, which decides what a digest mismatch means.</summary>
internal enum PartialState
{
    /// <summary>No bytes yet.</summary>
    Empty,

    /// <summary>Bytes from one response, from byte 0: a mismatch is final.</summary>
    OneResponse,

    /// <summary>Bytes from more than one response or run (a resume): a mismatch may be two versions spliced, so it earns one restart from byte 0.</summary>
    SpansResponses,
}

/// <summary>
/// One image's download from one URL into its reserved partial file, across attempts and runs: the open file, the
/// hasher that always covers exactly the bytes <c>[0, <see cref="Offset"/>)</c> of it, the validators that let a
/// later request resume it, and its <see cref="State"/>. The validators are saved with a keyed hash of the URL
/// (<see cref="PartialRecord"/>), never the URL itself.
/// </summary>
internal sealed class ResumableDownload : IAsyncDisposable
{
    private readonly string _sourceKey;
    private FileStream? _file;

    private ResumableDownload(ImageReservation reservation, Uri url, FileStream file)
    {
        Reservation = reservation;
        Url = url;
        SafeUrl = UrlRedaction.ToSafeUri(url);
        _sourceKey = PartialRecord.KeyOf(url, reservation.Digest);
        _file = file;
        Hasher = Sha3Hasher.Create(reservation.Digest.BitLength);
    }

    public ImageReservation Reservation { get; }

    public Sha3Digest Expected => Reservation.Digest;

    /// <summary>Gets the URL as given, secrets included: for requests only, never shown.</summary>
    public Uri Url { get; }

    /// <summary>Gets the URL redacted: for everything shown or handed out.</summary>
    public Uri SafeUrl { get; }

    public Sha3Hasher Hasher { get; }

    public PartialState State { get; private set; }

    /// <summary>Gets a value indicating whether the one restart owed to a spliced resume was already made.</summary>
    public bool RestartedAfterSplice { get; private set; }

    public long Offset { get; private set; }

    public long? Total { get; private set; }

    public string? ETag { get; private set; }

    public DateTimeOffset? LastModified { get; private set; }

    public int Attempt { get; private set; }

    public HttpStatusCode? Status { get; set; }

    public long BytesTransferred { get; private set; }

    public FileStream File => _file ?? throw new ObjectDisposedException(nameof(ResumableDownload));

    /// <summary>
    /// Opens the reservation's partial file: resumes it when its record names this URL (re-hashing the prefix from
    /// disk), else starts afresh. A missing, unreadable or malformed record means "start again from byte 0".
    /// </summary>
    public static async Task<ResumableDownload> OpenAsync(ImageReservation reservation, Uri url, int bufferSize, CancellationToken cancellationToken)
    {
        var path = reservation.PartialPath;
        var record = url.IsFile ? null : PartialRecord.TryRead(path);
        var key = PartialRecord.KeyOf(url, reservation.Digest);
        if (FileSafety.Exists(path) && record is not null && record.SourceKey == key)
        {
            var resumed = new ResumableDownload(reservation, url, FileSafety.OpenExisting(path));
            try
            {
                resumed.Offset = await StreamHashing.AppendFileRangeAsync(resumed.Hasher, resumed.File.SafeFileHandle, resumed.File.Length, progress: null, bufferSize, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await resumed.File.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            resumed.ETag = record.ETag;
            resumed.LastModified = record.LastModified;
            resumed.Total = record.TotalLength;
            resumed.State = resumed.Offset > 0 ? PartialState.SpansResponses : PartialState.Empty;
            return resumed;
        }

        if (FileSafety.Exists(path))
        {
            FileSafety.EnsureNotLink(path);
            FileSafety.DeleteIfExists(path);
        }

        PartialRecord.Delete(path);
        return new ResumableDownload(reservation, url, FileSafety.CreateExclusive(path));
    }

    /// <summary>Starts a new attempt.</summary>
    public void BeginAttempt() => Attempt++;

    /// <summary>Takes the validators and total length of a response that continues (206) or replaces (200) the file, and saves them with the partial file.</summary>
    public void Accept(bool replacesFile, long? total, string? etag, DateTimeOffset? lastModified)
    {
        if (replacesFile || Total is null)
        {
            Total = total;
        }

        ETag = etag ?? (replacesFile ? null : ETag);
        LastModified = lastModified ?? (replacesFile ? null : LastModified);
        if (!replacesFile)
        {
            State = PartialState.SpansResponses;
        }

        new PartialRecord(_sourceKey, ETag, LastModified, Total).Write(Reservation.PartialPath);
    }

    /// <summary>Takes the length of a local file being copied.</summary>
    public void AcceptLocal(long length) => Total = length;

    /// <summary>Records that the bytes up to <paramref name="offset"/> are written and hashed.</summary>
    public void Advance(long offset)
    {
        if (offset > Offset && State == PartialState.Empty)
        {
            State = PartialState.OneResponse;
        }

        BytesTransferred += offset - Offset;
        Offset = offset;
    }

    /// <summary>Discards every byte: an empty file, a fresh hasher, no validators.</summary>
    public void RestartFromZero()
    {
        Hasher.Reset();
        File.SetLength(0);
        Offset = 0;
        State = PartialState.Empty;
        ETag = null;
        LastModified = null;
        Total = null;
        PartialRecord.Delete(Reservation.PartialPath);
    }

    /// <summary>Discards the bytes of a resume that did not verify, using up the one restart a splice earns.</summary>
    public void RestartAfterSplice()
    {
        RestartedAfterSplice = true;
        RestartFromZero();
    }

    /// <summary>Flushes the verified file to disk and closes it, ready for <see cref="ImageReservation.Commit"/>.</summary>
    public async ValueTask CloseAsync()
    {
        File.Flush(flushToDisk: true);
        await File.DisposeAsync().ConfigureAwait(false);
        _file = null;
    }

    public ImageFetchProgress Snapshot(ImageFetchPhase phase, double bytesPerSecond) => new(Offset, Total, bytesPerSecond, Attempt, phase, SafeUrl);

    /// <summary>Closes the file if still open; a file with nothing worth resuming (a refused request, a mismatch) is deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        var file = Interlocked.Exchange(ref _file, null);
        if (file is null)
        {
            return;
        }

        await file.DisposeAsync().ConfigureAwait(false);
        if (Offset == 0)
        {
            FileSafety.DeleteIfExists(Reservation.PartialPath);
            PartialRecord.Delete(Reservation.PartialPath);
        }
    }
}
