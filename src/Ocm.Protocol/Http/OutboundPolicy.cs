using System.Net;
using System.Net.Sockets;

namespace Ocm.Protocol.Http;

/// <summary>
/// Which remote servers outbound OCM traffic may reach. By default only public addresses over https; loopback,
/// private, link-local, multicast and reserved ranges (IPv4-mapped and embedded IPv4 in IPv6 included) are refused so
/// a peer cannot point us at internal services (SSRF). Test setups and closed federations allow-list hosts.
/// </summary>
public sealed record OutboundPolicy
{
    /// <summary>Allow every address and plain http (test setups only).</summary>
    public bool AllowInsecurePeers { get; init; }

    /// <summary>
    /// Hosts (<c>peer.example.org</c>, <c>*.example.org</c>, <c>127.0.0.3</c>, <c>host:port</c>) or networks
    /// (<c>10.0.0.0/8</c>, <c>127.0.0.0/8</c>) that may be reached on non-public addresses and over plain http.
    /// </summary>
    public IReadOnlyList<string> InsecurePeers { get; init; } = [];

    /// <summary>Largest response body read from a peer for API calls (discovery, JWKS, tokens).</summary>
    public long MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Redirects followed at most, each hop re-checked.</summary>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>Time allowed to establish a TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>True when <paramref name="host"/> (with optional port) is allow-listed or everything is.</summary>
    public bool IsInsecureAllowed(string host, int port)
    {
        if (AllowInsecurePeers)
        {
            return true;
        }

        var literal = IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : null;
        foreach (var entry in InsecurePeers)
        {
            var trimmed = entry.Trim();
            if (HostEntryMatches(trimmed, host, port) || (literal is not null && NetworkEntryMatches(trimmed, literal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when connecting to <paramref name="address"/> for <paramref name="host"/> is allowed.</summary>
    public bool IsAddressAllowed(string host, int port, IPAddress address)
    {
        if (AddressClassifier.IsPublic(address) || AllowInsecurePeers)
        {
            return true;
        }

        foreach (var entry in InsecurePeers)
        {
            var trimmed = entry.Trim();
            if (HostEntryMatches(trimmed, host, port) || NetworkEntryMatches(trimmed, address))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HostEntryMatches(string entry, string host, int port)
    {
        if (entry.Length == 0 || entry.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        var entryHost = entry;
        int? entryPort = null;
        var colon = entry.LastIndexOf(':');
        if (colon > 0 && entry.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(entry[(colon + 1)..], out var p))
        {
            entryHost = entry[..colon];
            entryPort = p;
        }

        entryHost = entryHost.Trim('[', ']');
        host = host.Trim('[', ']');
        if (entryPort is not null && entryPort != port)
        {
            return false;
        }

        if (entryHost.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.EndsWith(entryHost[1..], StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(entryHost, host, StringComparison.OrdinalIgnoreCase);
    }

    private static bool NetworkEntryMatches(string entry, IPAddress address)
    {
        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return IPAddress.TryParse(entry.Trim('[', ']'), out var single) && AddressClassifier.Normalize(single).Equals(AddressClassifier.Normalize(address));
        }

        return IPNetwork.TryParse(entry, out var network) && network.Contains(AddressClassifier.Normalize(address));
    }
}

/// <summary>Classifies IP addresses for the SSRF guard.</summary>
public static class AddressClassifier
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this" network
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local (cloud metadata lives here)
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // documentation
        IPNetwork.Parse("192.88.99.0/24"),   // 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // documentation
        IPNetwork.Parse("203.0.113.0/24"),   // documentation
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, broadcast
        IPNetwork.Parse("::/128"),           // unspecified
        IPNetwork.Parse("::1/128"),          // loopback
        IPNetwork.Parse("100::/64"),         // discard
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    /// <summary>
    /// Unwraps IPv4 carried inside IPv6 (IPv4-mapped <c>::ffff:a.b.c.d</c>, IPv4-compatible <c>::a.b.c.d</c>,
    /// NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) so the embedded address is what gets checked.
    /// </summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return new IPAddress(bytes.AsSpan(2, 4));
        }

        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && bytes[15] <= 1))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        return address;
    }

    /// <summary>True when the address is globally routable unicast.</summary>
    public static bool IsPublic(IPAddress address)
    {
        var normalized = Normalize(address);
        foreach (var network in NonPublic)
        {
            if (network.BaseAddress.AddressFamily == normalized.AddressFamily && network.Contains(normalized))
            {
                return false;
            }
        }

        return true;
    }
}
