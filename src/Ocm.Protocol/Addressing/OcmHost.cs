using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ocm.Protocol.Addressing;

/// <summary>
/// The <c>host [":" port]</c> part of an OCM Address or an FQDN such as <c>recipientProvider</c> (OCM
/// §Terms, "OCM Address"): an IP-literal in brackets, dotted IPv4, or a reg-name (IDN allowed), optional port, no path.
/// </summary>
internal sealed record OcmHost(string Host, string AsciiHost, int? Port, bool IsIpv6)
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>host[:port] in ASCII (punycode) form, brackets around IPv6: what discovery connects to.</summary>
    public string Authority => FormatAuthority(AsciiHost);

    /// <summary>host[:port] as given (lower-cased, Unicode kept).</summary>
    public string DisplayAuthority => FormatAuthority(Host);

    private string FormatAuthority(string host)
    {
        var h = IsIpv6 ? "[" + host + "]" : host;
        return Port is { } port ? h + ":" + port.ToString(CultureInfo.InvariantCulture) : h;
    }

    /// <summary>Strips what lenient peers add around a host: whitespace, an http(s) scheme, trailing slashes (Nextcloud 35 sends <c>bob@https://host</c>).</summary>
    public static string StripDecorations(string text) => StripDecorations(text, out _);

    /// <summary>As <see cref="StripDecorations(string)"/>; <paramref name="scheme"/> is the scheme that was stripped, if any.</summary>
    private static string StripDecorations(string text, out string? scheme)
    {
        var s = text.Trim();
        scheme = null;
        if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            s = s["https://".Length..];
            scheme = "https";
        }
        else if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            s = s["http://".Length..];
            scheme = "http";
        }

        return s.TrimEnd('/');
    }

    /// <summary>
    /// The port an address names only when it is not the default of its scheme: OCM servers are reached over https
    /// (OCM §OCM API Discovery › Process), so <c>:443</c> is the default unless the address said <c>http://</c>, where <c>:80</c> is
    /// (RFC 9110 §4.2). <c>bob@host:443</c>, <c>bob@https://host:443/</c> and <c>bob@host</c> are then one address.
    /// </summary>
    private static int? WithoutDefaultPort(int? port, string? scheme) => (port, scheme) switch
    {
        (443, null or "https") => null,
        (80, "http") => null,
        _ => port,
    };

    public static bool TryParse(string? text, [NotNullWhen(true)] out OcmHost? host, [NotNullWhen(false)] out string? error)
    {
        host = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the host is empty";
            return false;
        }

        var s = StripDecorations(text, out var scheme);
        if (s.Length == 0)
        {
            error = "the host is empty";
            return false;
        }

        if (s.AsSpan().IndexOfAny(['/', '?', '#', '\\']) >= 0)
        {
            error = "an OCM address must not contain a path, query or fragment";
            return false;
        }

        if (s.AsSpan().IndexOfAny([' ', '\t', '\r', '\n']) >= 0)
        {
            error = "the host must not contain whitespace";
            return false;
        }

        if (s.Contains('@', StringComparison.Ordinal))
        {
            error = "the host must not contain '@'";
            return false;
        }

        string hostText;
        string? portText = null;
        var isIpv6 = false;
        if (s[0] == '[')
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "the IPv6 literal lacks its closing ']'";
                return false;
            }

            hostText = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "unexpected text after the IPv6 literal";
                    return false;
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(hostText, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6
                || hostText.Contains('%', StringComparison.Ordinal))
            {
                error = "'" + hostText + "' is not a valid IPv6 address";
                return false;
            }

            hostText = v6.ToString();
            isIpv6 = true;
        }
        else
        {
            var colons = s.Count(c => c == ':');
            if (colons > 1)
            {
                error = "an IPv6 address must be written in brackets, e.g. [2001:db8::7]:8443";
                return false;
            }

            if (colons == 1)
            {
                var colon = s.IndexOf(':', StringComparison.Ordinal);
                hostText = s[..colon];
                portText = s[(colon + 1)..];
            }
            else
            {
                hostText = s;
            }
        }

        int? port = null;
        if (portText is not null)
        {
            if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = "the port must be a number between 1 and 65535";
                return false;
            }

            port = WithoutDefaultPort(p, scheme);
        }

        if (isIpv6)
        {
            host = new OcmHost(hostText, hostText, port, IsIpv6: true);
            error = null;
            return true;
        }

        if (hostText.Length == 0)
        {
            error = "the host is empty";
            return false;
        }

        var lower = hostText.TrimEnd('.').ToLowerInvariant();
        if (!TryToAscii(lower, out var ascii, out error))
        {
            return false;
        }

        host = new OcmHost(lower, ascii, port, IsIpv6: false);
        return true;
    }

    private static bool TryToAscii(string host, [NotNullWhen(true)] out string? ascii, [NotNullWhen(false)] out string? error)
    {
        ascii = null;
        try
        {
            ascii = Idn.GetAscii(host).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = "'" + host + "' is not a valid host name";
            return false;
        }

        if (ascii.Length > 253)
        {
            error = "the host name is longer than 253 characters";
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                error = "'" + host + "' is not a valid host name";
                ascii = null;
                return false;
            }
        }

        error = null;
        return true;
    }
}
