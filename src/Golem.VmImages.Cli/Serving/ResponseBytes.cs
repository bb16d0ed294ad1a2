namespace Golem.VmImages.Cli.Serving;

/// <summary>The body bytes one response has sent so far, for its access-log line.</summary>
internal sealed class ResponseBytes
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add(long bytes) => Interlocked.Add(ref _count, bytes);
}
