using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Ocm.Protocol.Tokens;

/// <summary>
/// Parses and formats the <c>application/x-www-form-urlencoded</c> token request (OCM §Code Flow › Token Request).
/// Extra RFC 6749 parameters such as <c>redirect_uri</c> are ignored, as the spec requires.
/// </summary>
public static class TokenRequestForm
{
    /// <summary>Formats the request body. Values are percent-encoded.</summary>
    public static string Format(TokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return "grant_type=" + Uri.EscapeDataString(request.GrantType)
            + "&client_id=" + Uri.EscapeDataString(request.ClientId)
            + "&code=" + Uri.EscapeDataString(request.Code);
    }

    /// <summary>Formats the request body as UTF-8 bytes (what is signed and sent).</summary>
    public static byte[] FormatUtf8(TokenRequest request) => Encoding.UTF8.GetBytes(Format(request));

    /// <summary>
    /// Parses a form body. On failure <paramref name="error"/> is the OAuth error to answer 400 with (OCM §Code Flow › Error Responses):
    /// <c>invalid_request</c> for a missing or repeated field, <c>unsupported_grant_type</c> for any grant other than
    /// <c>authorization_code</c> (reva's <c>ocm_share</c> is accepted as a synonym).
    /// </summary>
    public static bool TryParse(
        string? body,
        [NotNullWhen(true)] out TokenRequest? request,
        [NotNullWhen(false)] out OAuthError? error)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in (body ?? string.Empty).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            if (key is null || value is null)
            {
                request = null;
                error = Fail(OAuthErrorCodes.InvalidRequest, "the form is not valid percent-encoding");
                return false;
            }

            if (!fields.TryAdd(key, value))
            {
                repeated.Add(key);
            }
        }

        return TryCreate(fields, repeated, out request, out error);
    }

    /// <summary>Builds a request from already decoded form fields (e.g. ASP.NET Core's <c>IFormCollection</c>).</summary>
    public static bool TryCreate(
        IEnumerable<KeyValuePair<string, string>> fields,
        [NotNullWhen(true)] out TokenRequest? request,
        [NotNullWhen(false)] out OAuthError? error)
    {
        var dict = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            if (!dict.TryAdd(key, value))
            {
                repeated.Add(key);
            }
        }

        return TryCreate(dict, repeated, out request, out error);
    }

    private static bool TryCreate(
        Dictionary<string, string> fields,
        HashSet<string> repeated,
        [NotNullWhen(true)] out TokenRequest? request,
        [NotNullWhen(false)] out OAuthError? error)
    {
        request = null;
        string[] required = ["grant_type", "client_id", "code"];
        var missing = required.Where(k => !fields.TryGetValue(k, out var v) || string.IsNullOrWhiteSpace(v)).ToArray();
        if (missing.Length > 0)
        {
            error = Fail(OAuthErrorCodes.InvalidRequest, "missing " + string.Join(", ", missing));
            return false;
        }

        // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
        var twice = required.Where(repeated.Contains).ToArray();
        if (twice.Length > 0)
        {
            error = Fail(OAuthErrorCodes.InvalidRequest, "repeated " + string.Join(", ", twice));
            return false;
        }

        var grant = fields["grant_type"];
        if (grant is not (TokenTypes.AuthorizationCodeGrant or TokenTypes.LegacyRevaGrant or TokenTypes.LegacySpecGrant))
        {
            error = Fail(OAuthErrorCodes.UnsupportedGrantType, null);
            return false;
        }

        request = new TokenRequest
        {
            GrantType = TokenTypes.AuthorizationCodeGrant,
            ClientId = fields["client_id"].Trim(),
            Code = fields["code"],
        };
        error = null;
        return true;
    }

    private static OAuthError Fail(string code, string? description) => new() { Error = code, ErrorDescription = description };

    private static string? Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
