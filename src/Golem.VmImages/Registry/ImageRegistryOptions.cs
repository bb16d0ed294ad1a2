namespace Golem.VmImages.Registry;

/// <summary>Settings of <see cref="HttpImageRegistry"/>, checked by <see cref="ImageRegistryOptionsValidator"/> alike at start-up and in <see cref="HttpImageRegistry.Create"/>.</summary>
public sealed class ImageRegistryOptions
{
    /// <summary>The public Golem image registry: <c>https://registry.golem.network</c>.</summary>
    public const string DefaultBaseAddress = "https://registry.golem.network";

    /// <summary>Gets or sets the registry's base address; requests go to <c>{BaseAddress}/v1/image/info</c>.</summary>
    /// <value>The default is <c>https://registry.golem.network</c>.</value>
    public Uri BaseAddress { get; set; } = new(DefaultBaseAddress);

    /// <summary>Gets or sets how long one attempt (request and answer) may take.</summary>
    /// <value>The default is 30 seconds; from 10 milliseconds to 10 minutes.</value>
    /// <remarks>Valid from 00:00:00.010 to 00:10:00.</remarks>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many times a failed attempt (transport error, timeout, 408, 429 or 5xx) is retried.</summary>
    /// <value>The default is 2 retries (3 attempts).</value>
    /// <remarks>Valid from 0 to 10.</remarks>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Gets or sets the delay before the first retry; each further retry waits twice as long.</summary>
    /// <value>The default is 1 second; from 0 to 1 minute.</value>
    /// <remarks>Valid from 00:00:00 to 00:01:00.</remarks>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
