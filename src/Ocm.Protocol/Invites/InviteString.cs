using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Ocm.Protocol.Addressing;

namespace Ocm.Protocol.Invites;

/// <summary>
/// The canonical Invite String (OCM §Invite Flow › Invite format): base64url without padding of
/// <c>token "@" fqdn</c>. Decoding also accepts the standard alphabet and padding used by 1.2.2–1.3 peers.
/// </summary>
public sealed record InviteString
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Creates an invite for <paramref name="token"/> minted by the server at <paramref name="providerDomain"/>.</summary>
    /// <exception cref="ArgumentException">The token is empty or the domain is not a valid host[:port].</exception>
    public InviteString(string token, string providerDomain)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        if (!OcmAddress.TryNormalizeAuthority(providerDomain, out var authority, out var error))
        {
            throw new ArgumentException("Invalid provider domain: " + error + ".", nameof(providerDomain));
        }

        Token = token;
        ProviderDomain = authority;
    }

    /// <summary>The invite token (opaque; may contain <c>@</c>).</summary>
    public string Token { get; }

    /// <summary>The FQDN (optionally with port) of the Invite Sender's server, normalized.</summary>
    public string ProviderDomain { get; }

    /// <summary>The encoded invite string (base64url, no padding).</summary>
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Token + "@" + ProviderDomain));

    /// <summary>The encoded invite string.</summary>
    public override string ToString() => Encode();

    /// <summary>Decodes an invite string or throws <see cref="FormatException"/> saying why.</summary>
    public static InviteString Parse(string text) =>
        TryParse(text, out var invite, out var error) ? invite : throw new FormatException("Invalid invite string: " + error + ".");

    /// <summary>Decodes an invite string.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out InviteString? invite) =>
        TryParse(text, out invite, out _);

    /// <summary>Decodes an invite string; on failure <paramref name="error"/> says why in plain words.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out InviteString? invite,
        [NotNullWhen(false)] out string? error)
    {
        invite = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty";
            return false;
        }

        // OCM 1.2.2–1.3 said base64, 1.4 says base64url: accept both alphabets and optional padding; whitespace from copy-and-paste is ignored.
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            builder.Append(c switch { '+' => '-', '/' => '_', _ => c });
        }

        var normalized = builder.ToString().TrimEnd('=');
        if (normalized.Length == 0 || normalized.Length % 4 == 1
            || !normalized.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            error = "it is not base64url text";
            return false;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(Base64Url.DecodeFromChars(normalized));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            error = "it does not decode to UTF-8 text";
            return false;
        }

        var at = decoded.LastIndexOf('@');
        if (at <= 0 || at == decoded.Length - 1)
        {
            error = "it does not decode to 'token@provider'";
            return false;
        }

        var token = decoded[..at];
        if (token.Any(char.IsControl))
        {
            error = "the token contains control characters";
            return false;
        }

        if (!OcmAddress.TryNormalizeAuthority(decoded[(at + 1)..], out var domain, out var hostError))
        {
            error = "the provider is not a valid host (" + hostError + ")";
            return false;
        }

        invite = new InviteString(token, domain);
        error = null;
        return true;
    }
}
