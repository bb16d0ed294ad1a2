namespace Golem.VmImages.Cli.Serving;

/// <summary>How <c>gvmi serve</c> listens, advertises itself and treats slow clients.</summary>
internal sealed record ServeOptions
{
    /// <summary>The addresses to listen on: IP addresses, or <c>localhost</c> for both loopback addresses. The default is 127.0.0.1.</summary>
    public IReadOnlyList<string> Bind { get; init; } = ["127.0.0.1"];

    /// <summary>The TCP port; 0 picks a free one. The default is 8000.</summary>
    public int Port { get; init; } = 8000;

    /// <summary>The base URL the index and the start-up listing advertise; by default the first bind address and the port.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>A PEM certificate (chain) to serve https with; needs <see cref="TlsKeyPath"/>.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The PEM private key of <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>Whether the access log (one line per request) is off. Errors are still written.</summary>
    public bool Quiet { get; init; }

    /// <summary>How long a client may take to send its request headers. The default is 10 seconds.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle keep-alive connection stays open. The default is 30 seconds.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The slowest a client may read a response, in bytes per second, after <see cref="MinDataRateGracePeriod"/>. The default is 1 KiB/s.</summary>
    public double MinDataRate { get; init; } = 1024;

    /// <summary>How long a response may run below <see cref="MinDataRate"/> before its connection is closed. The default is 10 seconds.</summary>
    public TimeSpan MinDataRateGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On stop, how long running transfers may take to finish before they are cut (clients resume with Range). The
    /// default, 1.5 seconds, ends before the command line's own 2-second limit after Ctrl+C or SIGTERM.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How often the served folders are scanned for new, changed and removed images. The default is 5 seconds.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock of the access log and the rescans.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
