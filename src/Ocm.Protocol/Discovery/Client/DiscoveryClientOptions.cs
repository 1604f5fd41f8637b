namespace Ocm.Protocol.Discovery.Client;

/// <summary>Tuning for <see cref="OcmDiscoveryClient"/>.</summary>
public sealed record DiscoveryClientOptions
{
    /// <summary>Time allowed for one discovery URL (connect + response). Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a successful discovery is reused. Default 10 minutes.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a failed discovery is remembered, so a dead peer costs one timeout per this interval rather than one
    /// per caller. Default 1 minute.
    /// </summary>
    public TimeSpan NegativeCacheTtl { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most hosts whose answers are kept (default 10,000); beyond it, expired answers are dropped first, so that
    /// questions about many different hosts cannot grow the cache without bound.
    /// </summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Largest discovery document accepted. Default 256 KiB.</summary>
    public long MaxResponseBytes { get; init; } = 256 * 1024;

    /// <summary>Also try <c>/ocm-provider</c> and <c>/ocm-provider/</c> for pre-1.4 peers. Default true.</summary>
    public bool TryLegacyPaths { get; init; } = true;
}
