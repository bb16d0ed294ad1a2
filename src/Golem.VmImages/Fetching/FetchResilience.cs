using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Golem.VmImages.Fetching;

/// <summary>
/// Builds the resilience pipeline every URL's download runs in. Outermost, the restart a spliced resume earns: a
/// resumed file that did not verify was discarded, and the download runs once more from byte 0 with a fresh attempt
/// budget. Inside it, the retry of transient failures (connection errors, stalls, 408, 429, 5xx, bad partial
/// responses): exponential backoff with jitter, <c>Retry-After</c> honoured up to a cap, at most
/// <see cref="ImageFetcherOptions.MaxAttempts"/> attempts.
/// </summary>
internal static class FetchResilience
{
    public static ResiliencePipeline Build(ImageFetcherOptions options, TimeProvider time, ILogger logger, FetcherMetrics metrics)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // A download restarts after a splice once at most (ResumableDownload.RestartedAfterSplice).
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TransientFailure { RestartAfterSplice: true }),
                OnRetry = args =>
                {
                    metrics.Retried();
                    FetcherLog.Retrying(logger, args.AttemptNumber + 2, options.MaxAttempts, args.RetryDelay, args.Outcome.Exception?.Message ?? string.Empty);
                    return ValueTask.CompletedTask;
                },
            });

        if (options.MaxAttempts > 1)
        {
            // Polly's retry needs at least one retry; one attempt means no retry strategy at all.
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BackoffBase,
                MaxDelay = options.BackoffCap,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ImageDownloadException { IsTransient: true } and not TransientFailure { RestartAfterSplice: true }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception switch
                {
                    TransientFailure { RetryImmediately: true } => TimeSpan.Zero,
                    ImageDownloadException { RetryAfter: { } retryAfter } => retryAfter > options.RetryAfterCap ? options.RetryAfterCap : retryAfter,
                    _ => (TimeSpan?)null,
                }),
                OnRetry = args =>
                {
                    metrics.Retried();
                    FetcherLog.Retrying(logger, args.AttemptNumber + 2, options.MaxAttempts, args.RetryDelay, args.Outcome.Exception?.Message ?? string.Empty);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }
}
