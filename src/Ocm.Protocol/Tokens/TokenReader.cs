using System.Text.Json;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tokens;

/// <summary>Reads token endpoint answers leniently (reva and Nextcloud issue JWTs; 1.1 peers sent lower-case "bearer").</summary>
internal static class TokenReader
{
    public static TokenResponse ReadResponse(JsonElement root)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);
        var accessToken = o.String("access_token", required: true);
        var tokenType = o.LenientString("token_type");
        var expiresIn = o.Integer("expires_in", required: false);
        var refreshToken = o.LenientString("refresh_token");
        if (accessToken is null || errors.HasErrors)
        {
            throw new OcmFormatException(errors.ToError());
        }

        return new TokenResponse
        {
            AccessToken = accessToken,
            TokenType = tokenType is null || tokenType.Equals(TokenTypes.Bearer, StringComparison.OrdinalIgnoreCase) ? TokenTypes.Bearer : tokenType,
            ExpiresIn = expiresIn,
            RefreshToken = refreshToken,
        };
    }

    public static OAuthError ReadOAuthError(JsonElement root)
    {
        var o = new JsonObjectReader(root, string.Empty, new ValidationCollector());
        return new OAuthError
        {
            Error = o.LenientString("error") ?? OAuthErrorCodes.InvalidRequest,
            ErrorDescription = o.LenientString("error_description"),
        };
    }

    public static TokenRequest ReadLegacyJsonRequest(JsonElement root)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var member in root.EnumerateObject())
        {
            if (member.Value.ValueKind == JsonValueKind.String)
            {
                fields.Add(new(member.Name, member.Value.GetString()!));
            }
        }

        return TokenRequestForm.TryCreate(fields, out var request, out var error)
            ? request
            : throw new OcmFormatException(new OcmError { Message = error.Error.ToUpperInvariant() });
    }
}
