using System.Text.Json.Serialization;

namespace Ocm.Protocol.Tokens;

/// <summary>
/// The Code Flow token request (OCM §Code Flow › Token Request): sent as <c>application/x-www-form-urlencoded</c>.
/// See <see cref="TokenRequestForm"/> to parse and format the form.
/// </summary>
public sealed record TokenRequest
{
    /// <summary><c>authorization_code</c> (REQUIRED).</summary>
    [JsonPropertyName("grant_type")]
    public required string GrantType { get; init; }

    /// <summary>FQDN of the Receiving Server (REQUIRED).</summary>
    [JsonPropertyName("client_id")]
    public required string ClientId { get; init; }

    /// <summary>The share's <c>sharedSecret</c> (REQUIRED).</summary>
    [JsonPropertyName("code")]
    public required string Code { get; init; }
}

/// <summary>The token endpoint's 200 answer (OCM §Code Flow › Token Response).</summary>
public sealed record TokenResponse
{
    /// <summary>Opaque bearer token; never logged (OCM §Security Considerations › Code Flow).</summary>
    [JsonPropertyName("access_token")]
    public required string AccessToken { get; init; }

    /// <summary><c>token_type</c>: always <c>Bearer</c> (RFC 6750); the token goes into <c>Authorization: Bearer</c>.</summary>
    [JsonPropertyName("token_type")]
    public string TokenType { get; init; } = TokenTypes.Bearer;

    /// <summary>
    /// <c>expires_in</c>: seconds the token stays valid from the answer (OCM examples use 300); null when the server
    /// did not say, in which case the caller should assume a short life and exchange again on a 401.
    /// </summary>
    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; init; }

    /// <summary>Not issued by OCM 1.4 servers (renew by repeating the request with the same code, OCM §Code Flow › Token Response); read from older peers.</summary>
    [JsonPropertyName("refresh_token")]
    public string? RefreshToken { get; init; }
}

/// <summary>The token endpoint's OAuth 2.0 error body, sent with 400 (OCM §Code Flow › Error Responses).</summary>
public sealed record OAuthError
{
    /// <summary>One of <see cref="OAuthErrorCodes"/>.</summary>
    [JsonPropertyName("error")]
    public required string Error { get; init; }

    /// <summary>Optional human-readable text (RFC 6749); never carries secrets.</summary>
    [JsonPropertyName("error_description")]
    public string? ErrorDescription { get; init; }
}

/// <summary>The OAuth error codes OCM permits (OCM §Code Flow › Error Responses).</summary>
public static class OAuthErrorCodes
{
    /// <summary>A required field is missing or malformed.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>Bad or missing signature, or <c>client_id</c> differs from the signer.</summary>
    public const string InvalidClient = "invalid_client";

    /// <summary>Unknown, revoked or expired secret, or not issued to this client.</summary>
    public const string InvalidGrant = "invalid_grant";

    /// <summary>The client may not use this grant.</summary>
    public const string UnauthorizedClient = "unauthorized_client";

    /// <summary><c>grant_type</c> is not <c>authorization_code</c>.</summary>
    public const string UnsupportedGrantType = "unsupported_grant_type";
}

/// <summary>Grant and token type names.</summary>
public static class TokenTypes
{
    /// <summary>The only grant type OCM defines.</summary>
    public const string AuthorizationCodeGrant = "authorization_code";

    /// <summary>reva's legacy grant type, accepted as a synonym.</summary>
    public const string LegacyRevaGrant = "ocm_share";

    /// <summary>The 1.1 spec.yaml example's grant type, accepted as a synonym.</summary>
    public const string LegacySpecGrant = "ocm_authorization_code";

    /// <summary>The only <c>token_type</c> OCM issues: a bearer token (RFC 6750).</summary>
    public const string Bearer = "Bearer";
}
