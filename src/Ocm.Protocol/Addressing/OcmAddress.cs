using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Ocm.Protocol.Addressing;

/// <summary>
/// An OCM Address, <c>identifier "@" host [":" port]</c> (OCM §Terms, "OCM Address": split on the last <c>@</c>, no path).
/// </summary>
/// <remarks>
/// Parsing splits on the <b>last</b> <c>@</c>, so the identifier may itself contain <c>@</c> (e-mail-like ids).
/// It is lenient with what peers send and people type (as Nextcloud, OpenCloud and people do): whitespace around the address is trimmed,
/// an <c>http://</c> or <c>https://</c> scheme and trailing slashes are stripped from the host (Nextcloud 35:
/// <c>bob@https://host</c>), the host is lower-cased, the scheme's default port (<c>:443</c>, or <c>:80</c> after
/// <c>http://</c>) is dropped, and a duplicated <c>@host</c> suffix is collapsed (OpenCloud:
/// <c>uuid@https://host:port@host:port</c>). What is surely a typo is refused with the reason: <c>@@</c>, a leading
/// <c>@</c>, a space next to the separating <c>@</c>. Output is strict: <see cref="ToString"/> never has a scheme or a
/// default port, so it is the one normalised form every caller stores and compares.
/// Equality: the identifier is compared byte-exact (case-sensitive), the host case-insensitively through its
/// IDN/punycode form, the port exactly.
/// <para>Known ambiguity of the collapse rule (the same one reva 3.12 applies): a user whose identifier is an
/// e-mail address on the very host of the server (<c>bob@host.example@host.example</c>) is read as <c>bob</c>.
/// A suffix on another host (<c>nomen.nescio@example.org@cloud.example.org</c>) is always kept.</para>
/// </remarks>
[JsonConverter(typeof(OcmAddressJsonConverter))]
public sealed class OcmAddress : IEquatable<OcmAddress>
{
    private readonly OcmHost _host;

    private OcmAddress(string identifier, OcmHost host)
    {
        Identifier = identifier;
        _host = host;
    }

    /// <summary>The opaque, case-sensitive user or group identifier (may contain <c>@</c>).</summary>
    public string Identifier { get; }

    /// <summary>The host, lower-cased; IDN hosts keep their Unicode form; IPv6 without brackets.</summary>
    public string Host => _host.Host;

    /// <summary>The host in ASCII (punycode) form, lower-cased; IPv6 without brackets.</summary>
    public string AsciiHost => _host.AsciiHost;

    /// <summary>The port, when the address names one.</summary>
    public int? Port => _host.Port;

    /// <summary>
    /// <c>host[:port]</c> in ASCII form with brackets around IPv6: the authority to run discovery against
    /// (<c>https://{Authority}/.well-known/ocm</c>, OCM §OCM API Discovery › Process).
    /// </summary>
    public string Authority => _host.Authority;

    /// <summary>Parses an OCM Address or throws <see cref="FormatException"/> with the reason.</summary>
    public static OcmAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException("Invalid OCM address: " + error + ".");

    /// <summary>Parses an OCM Address.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, [NotNullWhen(true)] out OcmAddress? result) =>
        TryParse(s, out result, out _);

    /// <summary>Parses an OCM Address; on failure <paramref name="error"/> says why in plain words.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? s,
        [NotNullWhen(true)] out OcmAddress? result,
        [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(s))
        {
            error = "the address is empty";
            return false;
        }

        var text = s.Trim();
        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            error = "the address has no '@' between identifier and host";
            return false;
        }

        if (text.Contains("@@", StringComparison.Ordinal))
        {
            error = "the address has two '@' in a row; write it as identifier@host, e.g. bob@cloud.example.org";
            return false;
        }

        if (text[0] == '@' && at > 0)
        {
            error = "the identifier must not begin with '@'; write bob@cloud.example.org, not @bob@cloud.example.org";
            return false;
        }

        if ((at > 0 && char.IsWhiteSpace(text[at - 1])) || (at + 1 < text.Length && char.IsWhiteSpace(text[at + 1])))
        {
            error = "there is a space next to the '@' between identifier and host";
            return false;
        }

        if (!OcmHost.TryParse(text[(at + 1)..], out var host, out error))
        {
            return false;
        }

        var identifier = CollapseDuplicatedHost(text[..at], host);
        if (identifier.Length == 0)
        {
            error = "the identifier before '@' is empty";
            return false;
        }

        if (identifier.Any(char.IsControl))
        {
            error = "the identifier contains control characters";
            return false;
        }

        result = new OcmAddress(identifier, host);
        return true;
    }

    /// <summary>Builds an address from an identifier and a <c>host[:port]</c> (scheme and trailing slash tolerated).</summary>
    public static OcmAddress Create(string identifier, string authority)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (!OcmHost.TryParse(authority, out var host, out var error))
        {
            throw new FormatException("Invalid OCM host: " + error + ".");
        }

        return new OcmAddress(identifier, host);
    }

    /// <summary>
    /// Normalizes an FQDN-with-optional-port such as an invite's <c>recipientProvider</c>, which some peers send as a URL: strips scheme and
    /// trailing slash, lower-cases the host, keeps the port. Returns false when it is not a valid host.
    /// </summary>
    public static bool TryNormalizeAuthority(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out string? authority,
        [NotNullWhen(false)] out string? error)
    {
        if (OcmHost.TryParse(text, out var host, out error))
        {
            authority = host.DisplayAuthority;
            return true;
        }

        authority = null;
        return false;
    }

    /// <summary>True when <paramref name="authority"/> (host[:port], scheme tolerated) names the same server as this address.</summary>
    public bool IsAt(string authority) =>
        OcmHost.TryParse(authority, out var other, out _) && SameServer(_host, other);

    /// <summary><c>identifier@host[:port]</c>, never with a scheme.</summary>
    public override string ToString() => Identifier + "@" + _host.DisplayAuthority;

    /// <inheritdoc/>
    public bool Equals(OcmAddress? other) =>
        other is not null && string.Equals(Identifier, other.Identifier, StringComparison.Ordinal) && SameServer(_host, other._host);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as OcmAddress);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.Ordinal.GetHashCode(Identifier),
        StringComparer.Ordinal.GetHashCode(_host.AsciiHost),
        _host.Port);

    /// <summary>Value equality (see remarks on <see cref="OcmAddress"/>).</summary>
    public static bool operator ==(OcmAddress? left, OcmAddress? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(OcmAddress? left, OcmAddress? right) => !(left == right);

    private static bool SameServer(OcmHost a, OcmHost b) =>
        string.Equals(a.AsciiHost, b.AsciiHost, StringComparison.Ordinal) && a.Port == b.Port;

    /// <summary>
    /// OpenCloud stored remote ids as <c>id@https://host:port</c> and then appended <c>@host:port</c> again
    /// (opencloud-eu/opencloud#3262); reva 3.12 strips such a self-referential suffix. So do we, repeatedly.
    /// </summary>
    private static string CollapseDuplicatedHost(string identifier, OcmHost host)
    {
        while (true)
        {
            var at = identifier.LastIndexOf('@');
            if (at < 0)
            {
                return identifier;
            }

            var suffix = identifier[(at + 1)..];
            var looksLikeUrl = suffix.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || suffix.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            if (!OcmHost.TryParse(suffix, out var inner, out _) || !SameServer(inner, host)
                || (!looksLikeUrl && !string.Equals(inner.Authority, host.Authority, StringComparison.Ordinal)))
            {
                return identifier;
            }

            identifier = identifier[..at];
        }
    }
}
