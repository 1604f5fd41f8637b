using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Ocm.Hosting;

/// <summary>
/// Section <c>Ocm:Proxy</c>: the reverse proxies or load balancers in front of the server. Their <c>X-Forwarded-For</c>,
/// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> are believed; the same headers from anyone else are ignored,
/// since any client can write them (ASP.NET Core docs, "Configure ASP.NET Core to work with proxy servers and load
/// balancers").
/// </summary>
internal sealed record ProxyOptions
{
    public const string Section = "Ocm:Proxy";

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>, <c>::1</c>) or CIDR networks (<c>10.0.0.0/8</c>) of the proxies whose forwarded
    /// headers are believed. A list, or one value separated by commas or spaces (handy in
    /// <c>OCM_PROXY__TRUSTEDNETWORKS</c>). Default: none, forwarded headers are ignored.
    /// </summary>
    public string[] TrustedNetworks { get; init; } = [];

    /// <summary>
    /// Binds the section; a single value (<c>OCM_PROXY__TRUSTEDNETWORKS=10.0.0.0/8,127.0.0.1</c>) counts as well as a
    /// list (<c>…__TRUSTEDNETWORKS__0</c>), which the binder alone would silently ignore.
    /// </summary>
    public static ProxyOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ProxyOptions>() ?? new ProxyOptions();
        var single = configuration[$"{Section}:{nameof(TrustedNetworks)}"];
        return string.IsNullOrWhiteSpace(single) ? options : options with { TrustedNetworks = [.. options.TrustedNetworks, single] };
    }

    /// <summary>The entries of <see cref="TrustedNetworks"/>, split (whether given as a list or as one value).</summary>
    public IEnumerable<string> Entries() =>
        TrustedNetworks.SelectMany(e => e.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Every error at once; each names the entry and what a valid one looks like.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var entry in Entries())
        {
            if (!TryParse(entry, out _, out var error))
            {
                yield return $"Ocm:Proxy:TrustedNetworks: '{entry}' {error} (give an address such as 10.0.0.5 or a network such as 10.0.0.0/8 or fd00::/8).";
            }
        }
    }

    /// <summary>Builds the forwarded-headers settings; null when no proxy is trusted (the headers are then never read).</summary>
    public ForwardedHeadersOptions? ToForwardedHeadersOptions()
    {
        var entries = Entries().ToList();
        if (entries.Count == 0)
        {
            return null;
        }

        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // Walk X-Forwarded-For from the right as long as each hop is a trusted proxy (a CDN in front of haproxy
            // appends two); the first untrusted hop is the client.
            ForwardLimit = null,
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (TryParse(entry, out var network, out _))
            {
                forwarded.KnownIPNetworks.Add(network); // the others stopped the start (Validate)
            }
        }

        return forwarded;
    }

    private static bool TryParse(string entry, out System.Net.IPNetwork network, out string? error)
    {
        network = default;
        error = null;
        if (entry.Contains('/', StringComparison.Ordinal))
        {
            if (System.Net.IPNetwork.TryParse(entry, out network))
            {
                return true;
            }

            error = "is not a CIDR network";
            return false;
        }

        if (IPAddress.TryParse(entry, out var single))
        {
            // An IPv4 client reaches a dual-stack socket as ::ffff:a.b.c.d; the middleware compares both forms.
            network = new System.Net.IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        error = "is not an IP address (host names are not resolved here)";
        return false;
    }
}

/// <summary>Where forwarded headers are applied: before anything reads the client's address, scheme or host.</summary>
internal static class ForwardedHeadersSetup
{
    public static WebApplication UseOcmForwardedHeaders(this WebApplication app, ProxyOptions proxy)
    {
        if (proxy.ToForwardedHeadersOptions() is { } forwarded)
        {
            app.UseForwardedHeaders(forwarded);
        }

        return app;
    }
}
