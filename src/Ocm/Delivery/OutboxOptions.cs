namespace Ocm.Delivery;

/// <summary>Section <c>Ocm:Delivery</c>: how hard we try to reach other servers.</summary>
internal sealed record OutboxOptions
{
    public const string Section = "Ocm:Delivery";

    /// <summary>How long a message is retried before it fails for good. Default 48 hours.</summary>
    public int DeadlineSeconds { get; init; } = 48 * 3600;

    /// <summary>First retry delay; doubles per attempt. Default 5 s.</summary>
    public double InitialRetrySeconds { get; init; } = 5;

    /// <summary>Longest delay between retries. Default 15 minutes.</summary>
    public double MaxRetrySeconds { get; init; } = 900;

    /// <summary>Time allowed for one delivery request. Default 30 s.</summary>
    public int RequestTimeoutSeconds { get; init; } = 30;

    /// <summary>How often the worker looks for due messages when not woken. Default 2 s.</summary>
    public double PollSeconds { get; init; } = 2;

    /// <summary>Consecutive transient failures after which a peer's circuit opens. Default 3.</summary>
    public int CircuitBreakerThreshold { get; init; } = 3;

    /// <summary>How long an open circuit stays open before one trial delivery. Default 30 s (doubles up to 10 min).</summary>
    public double CircuitBreakSeconds { get; init; } = 30;

    /// <summary>Extra lease time for discovering the peer before the request. Default 15 s.</summary>
    public int DiscoveryAllowanceSeconds { get; init; } = 15;

    /// <summary>Peers delivered to in parallel. Default 8.</summary>
    public int MaxParallelPeers { get; init; } = 8;

    /// <summary>
    /// While deliveries wait for a peer that could not be reached, it is asked (one discovery request, at most
    /// <see cref="ProbeTimeoutSeconds"/>) this often; when it answers, everything waiting for it goes out at once instead
    /// of at its next back-off step. Default 3 s.
    /// </summary>
    public double ProbeSeconds { get; init; } = 3;

    /// <summary>Time allowed for one such probe. Default 5 s.</summary>
    public double ProbeTimeoutSeconds { get; init; } = 5;

    /// <summary>Every error at once; the ranges are those of docs/configuration.md.</summary>
    public IEnumerable<string> Validate()
    {
        if (DeadlineSeconds < 1)
        {
            yield return "Ocm:Delivery:DeadlineSeconds must be at least 1.";
        }

        if (!Positive(InitialRetrySeconds))
        {
            yield return "Ocm:Delivery:InitialRetrySeconds must be more than 0.";
        }
        else if (!(double.IsFinite(MaxRetrySeconds) && MaxRetrySeconds >= InitialRetrySeconds))
        {
            yield return "Ocm:Delivery:MaxRetrySeconds must be at least Ocm:Delivery:InitialRetrySeconds.";
        }

        if (RequestTimeoutSeconds < 1)
        {
            yield return "Ocm:Delivery:RequestTimeoutSeconds must be at least 1.";
        }

        if (!Positive(PollSeconds))
        {
            yield return "Ocm:Delivery:PollSeconds must be more than 0.";
        }

        if (CircuitBreakerThreshold < 1)
        {
            yield return "Ocm:Delivery:CircuitBreakerThreshold must be at least 1.";
        }

        if (!Positive(CircuitBreakSeconds))
        {
            yield return "Ocm:Delivery:CircuitBreakSeconds must be more than 0.";
        }

        if (DiscoveryAllowanceSeconds < 0)
        {
            yield return "Ocm:Delivery:DiscoveryAllowanceSeconds must be 0 or more.";
        }

        if (MaxParallelPeers < 1)
        {
            yield return "Ocm:Delivery:MaxParallelPeers must be at least 1.";
        }

        if (!Positive(ProbeSeconds))
        {
            yield return "Ocm:Delivery:ProbeSeconds must be more than 0.";
        }

        if (!Positive(ProbeTimeoutSeconds))
        {
            yield return "Ocm:Delivery:ProbeTimeoutSeconds must be more than 0.";
        }
    }

    // "NaN" and "Infinity" bind to a double too; neither is a delay.
    private static bool Positive(double seconds) => double.IsFinite(seconds) && seconds > 0;
}
