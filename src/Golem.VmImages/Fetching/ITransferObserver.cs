namespace Golem.VmImages.Fetching;

/// <summary>Receives the transfer's callbacks; the stall timer, progress and metrics hang off it.</summary>
internal interface ITransferObserver
{
    /// <summary>Called on the reader after each successful read of <paramref name="count"/> bytes.</summary>
    void OnRead(int count);

    /// <summary>Called on the consumer after a buffer was hashed and written; <paramref name="offset"/> is the new file length.</summary>
    void OnCommitted(long offset);

    /// <summary>Called once at the end of a copy with the number of write-back hints it gave the kernel.</summary>
    void OnWriteBackHints(int hints);
}
