using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Http;
using Ocm.Trust;

namespace Ocm.Federation;

/// <summary>Section <c>Ocm:Federation</c>: how this server talks to other OCM servers.</summary>
internal sealed record FederationOptions
{
    public const string Section = "Ocm:Federation";

    /// <summary>
    /// Allow plain http and non-public addresses for every peer. Only for test setups (e.g. two servers on
    /// 127.0.0.2 and 127.0.0.3). Default false.
    /// </summary>
    public bool AllowInsecurePeers { get; init; }

    /// <summary>Hosts or networks allowed over http and on non-public addresses (e.g. <c>127.0.0.0/8</c>, <c>*.lab.example</c>).</summary>
    public string[] InsecurePeers { get; init; } = [];

    /// <summary>Seconds allowed for one discovery request. Default 10.</summary>
    public int DiscoveryTimeoutSeconds { get; init; } = 10;

    /// <summary>Seconds a discovery result is reused. Default 600.</summary>
    public int DiscoveryCacheSeconds { get; init; } = 600;

    /// <summary>Seconds a failed discovery is remembered (a dead peer then costs one timeout per interval). Default 60.</summary>
    public int DiscoveryNegativeCacheSeconds { get; init; } = 60;

    /// <summary>Largest response body accepted from a peer's API, in bytes. Default 1 MiB.</summary>
    public long MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Every error at once; the ranges are those of docs/configuration.md.</summary>
    public IEnumerable<string> Validate()
    {
        for (var i = 0; i < InsecurePeers.Length; i++)
        {
            var entry = InsecurePeers[i]?.Trim() ?? "";
            if (entry.Contains('/', StringComparison.Ordinal) && !entry.Contains("://", StringComparison.Ordinal))
            {
                if (!System.Net.IPNetwork.TryParse(entry, out _))
                {
                    yield return $"Ocm:Federation:InsecurePeers:{i} '{entry}' is not a network (e.g. 127.0.0.0/8 or fd00::/8).";
                }
            }
            else if (entry == "*")
            {
                yield return $"Ocm:Federation:InsecurePeers:{i} '*' matches no peer; set Ocm:Federation:AllowInsecurePeers=true to allow every peer.";
            }
            else if (HostPattern.Problem(entry) is { } problem)
            {
                yield return $"Ocm:Federation:InsecurePeers:{i} '{entry}' {problem}.";
            }
        }

        if (DiscoveryTimeoutSeconds < 1)
        {
            yield return "Ocm:Federation:DiscoveryTimeoutSeconds must be at least 1.";
        }

        if (DiscoveryCacheSeconds < 0)
        {
            yield return "Ocm:Federation:DiscoveryCacheSeconds must be 0 or more.";
        }

        if (DiscoveryNegativeCacheSeconds < 0)
        {
            yield return "Ocm:Federation:DiscoveryNegativeCacheSeconds must be 0 or more.";
        }

        if (MaxResponseBytes < 1024)
        {
            yield return "Ocm:Federation:MaxResponseBytes must be at least 1024.";
        }
    }

    public OutboundPolicy ToPolicy() => new()
    {
        AllowInsecurePeers = AllowInsecurePeers,
        InsecurePeers = InsecurePeers,
        MaxResponseBytes = MaxResponseBytes,
    };

    public DiscoveryClientOptions ToDiscoveryOptions() => new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(DiscoveryTimeoutSeconds),
        CacheTtl = TimeSpan.FromSeconds(DiscoveryCacheSeconds),
        NegativeCacheTtl = TimeSpan.FromSeconds(DiscoveryNegativeCacheSeconds),
    };
}
