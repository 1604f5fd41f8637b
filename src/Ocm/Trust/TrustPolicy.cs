using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Discovery;

namespace Ocm.Trust;

/// <summary>The outcome of a trust check; <see cref="Reason"/> says why in words for the peer and the log.</summary>
internal readonly record struct TrustDecision(bool Allowed, string? Reason)
{
    public static TrustDecision Allow => new(true, null);

    public static TrustDecision Deny(string reason) => new(false, reason);
}

/// <summary>
/// The one place that decides which servers may federate with us (allowlist, denylist) and how incoming shares are
/// treated (auto-accept from trusted peers). Reflected in discovery <c>criteria</c>.
/// </summary>
internal sealed class TrustPolicy(TrustOptions options)
{
    public TrustOptions Options => options;

    /// <summary>May <paramref name="host"/> (<c>host[:port]</c>) send us requests, or receive ours?</summary>
    public TrustDecision EvaluatePeer(string host)
    {
        if (options.Denylist.Any(pattern => HostPattern.Matches(pattern, host)))
        {
            return TrustDecision.Deny($"The server {host} is on this server's denylist.");
        }

        if (options.Allowlist.Length > 0 && !options.Allowlist.Any(pattern => HostPattern.Matches(pattern, host)))
        {
            return TrustDecision.Deny($"The server {host} is not on this server's allowlist.");
        }

        return TrustDecision.Allow;
    }

    /// <summary>Shares from this host need no confirmation by the recipient.</summary>
    public bool AutoAccepts(string host) => options.AutoAcceptFrom.Any(pattern => HostPattern.Matches(pattern, host));
}

/// <summary>Host patterns: exact (<c>cloud.example.org</c>), wildcard (<c>*.example.org</c>), optional <c>:port</c>.</summary>
internal static class HostPattern
{
    public static bool Matches(string pattern, string host)
    {
        pattern = pattern.Trim().ToLowerInvariant();
        host = host.Trim().ToLowerInvariant();
        if (pattern.Length == 0)
        {
            return false;
        }

        var (patternHost, patternPort) = Split(pattern);
        var (hostName, hostPort) = Split(host);
        if (patternPort is not null && patternPort != hostPort)
        {
            return false;
        }

        if (patternHost == "*")
        {
            return true;
        }

        return patternHost.StartsWith("*.", StringComparison.Ordinal)
            ? hostName.EndsWith(patternHost[1..], StringComparison.Ordinal)
            : string.Equals(patternHost, hostName, StringComparison.Ordinal);
    }

    private static (string Host, string? Port) Split(string value)
    {
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            return close > 0 && close + 1 < value.Length && value[close + 1] == ':'
                ? (value[..(close + 1)], value[(close + 2)..])
                : (value, null);
        }

        var colon = value.LastIndexOf(':');
        return colon > 0 && value.IndexOf(':', StringComparison.Ordinal) == colon ? (value[..colon], value[(colon + 1)..]) : (value, null);
    }
}

/// <summary>Advertises <c>allowlist</c>, <c>denylist</c> and <c>must-invite</c> when they are in force.</summary>
internal sealed class TrustDiscoveryContributor(TrustOptions options) : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server)
    {
        if (options.Allowlist.Length > 0)
        {
            document.WithCriterion(OcmCriteria.Allowlist);
        }

        if (options.Denylist.Length > 0)
        {
            document.WithCriterion(OcmCriteria.Denylist);
        }

        if (options.MustInvite)
        {
            document.WithCriterion(OcmCriteria.MustInvite);
        }
    }
}

internal static class TrustServiceCollectionExtensions
{
    public static IServiceCollection AddOcmTrust(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TrustOptions.Section).Get<TrustOptions>() ?? new TrustOptions();
        services.AddSingleton(options);
        services.AddSingleton<TrustPolicy>();
        services.AddSingleton<IDiscoveryContributor, TrustDiscoveryContributor>();
        return services;
    }
}
