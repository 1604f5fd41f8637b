using System.Diagnostics.CodeAnalysis;
using Ocm.Protocol.Addressing;

namespace Ocm.Protocol.Discovery.Client;

/// <summary>
/// What the user asked to discover, reduced to the authority (<c>host[:port]</c>) that discovery runs against
/// (OCM §OCM API Discovery › Process, step 1). Accepts a bare host, <c>host:port</c>, an OCM address (the part after the last
/// <c>@</c>) or a URL (its scheme is remembered: discovery then uses that scheme and no other).
/// </summary>
public sealed record DiscoveryTarget
{
    private DiscoveryTarget(string authority, string host, int? port, string? explicitScheme)
    {
        Authority = authority;
        Host = host;
        Port = port;
        ExplicitScheme = explicitScheme;
    }

    /// <summary><c>host[:port]</c>, ASCII, lower-case, IPv6 in brackets.</summary>
    public string Authority { get; }

    /// <summary>The host without brackets or port.</summary>
    public string Host { get; }

    /// <summary>The port if one was given.</summary>
    public int? Port { get; }

    /// <summary><c>http</c> or <c>https</c> when the input was a URL.</summary>
    public string? ExplicitScheme { get; }

    /// <summary>
    /// Reduces a host, <c>host:port</c>, OCM address (the host after its last <c>@</c>) or http(s) URL to the
    /// authority discovery runs against. Hosts are lower-cased and IDN hosts converted to punycode; a URL's path is
    /// dropped, its scheme kept in <see cref="ExplicitScheme"/>.
    /// </summary>
    /// <param name="input">What the user or a peer named; surrounding whitespace is ignored.</param>
    /// <param name="target">The parsed target, or null when <paramref name="input"/> names no host.</param>
    /// <param name="error">Why it names no host, in words fit for a user ("nothing to discover: …"); null on success.</param>
    /// <returns>True when <paramref name="input"/> names a host.</returns>
    public static bool TryParse(string? input, [NotNullWhen(true)] out DiscoveryTarget? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "nothing to discover: give a host, host:port, OCM address or URL";
            return false;
        }

        var text = input.Trim();
        string? scheme = null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            && text.Contains("://", StringComparison.Ordinal))
        {
            scheme = url.Scheme;
            text = url.IsDefaultPort ? url.IdnHost : $"{(url.HostNameType == UriHostNameType.IPv6 ? "[" + url.IdnHost + "]" : url.IdnHost)}:{url.Port}";
            if (url.IsDefaultPort && url.HostNameType == UriHostNameType.IPv6)
            {
                text = "[" + url.IdnHost + "]";
            }
        }
        else if (text.Contains('@', StringComparison.Ordinal))
        {
            if (!OcmAddress.TryParse(text, out var address, out var addressError))
            {
                error = addressError;
                return false;
            }

            text = address.Authority;
        }

        if (!OcmHost.TryParse(text, out var host, out var hostError))
        {
            error = hostError;
            return false;
        }

        target = new DiscoveryTarget(host.Authority, host.AsciiHost, host.Port, scheme);
        error = null;
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, but throws when <paramref name="input"/> names no host.</summary>
    /// <param name="input">A host, <c>host:port</c>, OCM address or http(s) URL.</param>
    /// <returns>The target discovery runs against.</returns>
    /// <exception cref="FormatException"><paramref name="input"/> names no host; the message says why.</exception>
    public static DiscoveryTarget Parse(string input) =>
        TryParse(input, out var target, out var error) ? target : throw new FormatException($"Cannot discover '{input}': {error}.");

    /// <inheritdoc />
    public override string ToString() => Authority;
}
