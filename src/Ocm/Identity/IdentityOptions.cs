namespace Ocm.Identity;

/// <summary>
/// Section <c>Ocm:Identity:Oidc</c>: sign-in to the web interface with an OpenID Connect provider (authorization code
/// flow with PKCE; OpenID Connect Core 1.0 §3.1). Off while <see cref="Authority"/> is unset.
/// </summary>
internal sealed record OidcOptions
{
    public const string Section = "Ocm:Identity:Oidc";

    /// <summary>The provider's issuer URL; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>. Unset: no OIDC sign-in.</summary>
    public string? Authority { get; init; }

    /// <summary>The client id this server is registered under at the provider.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client secret (sent to the token endpoint only). Unset for a public client, which then relies on PKCE alone.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Scopes asked for besides <c>openid</c>. Unset: <c>profile</c> and <c>email</c>.</summary>
    public string[] Scopes { get; init; } = [];

    /// <summary>
    /// <c>claim=value</c>: only users whose ID token or userinfo carries this claim with this value (one of its values,
    /// for a list) are admitted, e.g. <c>eduperson_entitlement=urn:mace:example.org:ocm</c>. Unset: everyone the provider signs in.
    /// </summary>
    public string? RequiredClaim { get; init; }

    /// <summary>Fetch the discovery document and keys over https only. Default true; false only for test set-ups on loopback.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>The claim that names the account created on first sign-in. Default <c>preferred_username</c>.</summary>
    public string UserNameClaim { get; init; } = "preferred_username";

    /// <summary>The claim with the display name. Default <c>name</c>.</summary>
    public string DisplayNameClaim { get; init; } = "name";

    /// <summary>The claim with the e-mail address. Default <c>email</c>.</summary>
    public string EmailClaim { get; init; } = "email";

    /// <summary>The claim listing the user's groups, applied at each sign-in. Default <c>groups</c>.</summary>
    public string GroupsClaim { get; init; } = "groups";

    /// <summary>The provider's name on the sign-in button ("Sign in with …"). Default <c>single sign-on</c>.</summary>
    public string DisplayName { get; init; } = "single sign-on";

    /// <summary>
    /// <c>acr</c> values (OpenID Connect Core 1.0 §2) that mean the provider checked a second factor, e.g.
    /// <c>https://refeds.org/profile/mfa</c>. A sign-in whose ID token carries one of them counts as a two-factor
    /// sign-in here: no TOTP code is asked, and <c>must-use-mfa</c> shares open. Default none.
    /// </summary>
    public string[] MfaAcrValues { get; init; } = [];

    /// <summary>
    /// <c>amr</c> methods (RFC 8176) that mean a second factor, e.g. <c>otp</c>, <c>hwk</c>, <c>mfa</c>: an ID token whose
    /// <c>amr</c> lists one of them counts as a two-factor sign-in. Default none.
    /// </summary>
    public string[] MfaAmrValues { get; init; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>Whether an ID token with these <c>acr</c> and <c>amr</c> claims shows a second factor; the matching value, or null.</summary>
    public string? MfaEvidence(string? acr, IEnumerable<string> amr)
    {
        if (acr is not null && MfaAcrValues.Contains(acr, StringComparer.Ordinal))
        {
            return "acr:" + acr;
        }

        return amr.FirstOrDefault(m => MfaAmrValues.Contains(m, StringComparer.Ordinal)) is { } method ? "amr:" + method : null;
    }

    /// <summary><c>openid</c> and the configured scopes (or the defaults).</summary>
    public IReadOnlyList<string> EffectiveScopes =>
        ["openid", .. (Scopes.Length == 0 ? ["profile", "email"] : Scopes).Where(s => s != "openid").Distinct(StringComparer.Ordinal)];

    /// <summary>The claim type and value of <see cref="RequiredClaim"/>, when set.</summary>
    public (string Type, string Value)? Requirement =>
        RequiredClaim?.IndexOf('=', StringComparison.Ordinal) is int i and > 0 && i < RequiredClaim.Length - 1
            ? (RequiredClaim[..i].Trim(), RequiredClaim[(i + 1)..].Trim())
            : null;

    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(ClientId) || !string.IsNullOrWhiteSpace(RequiredClaim))
            {
                yield return "Ocm:Identity:Oidc:Authority is required when Ocm:Identity:Oidc:ClientId or RequiredClaim is set.";
            }

            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            yield return $"Ocm:Identity:Oidc:Authority must be an absolute https URL (the provider's issuer), not '{Authority}'.";
        }
        else if (authority.Scheme != Uri.UriSchemeHttps && RequireHttpsMetadata)
        {
            yield return "Ocm:Identity:Oidc:Authority must be an https URL (set Ocm:Identity:Oidc:RequireHttpsMetadata to false only for a test provider).";
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return "Ocm:Identity:Oidc:ClientId is required with Ocm:Identity:Oidc:Authority.";
        }

        if (Scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Any(char.IsWhiteSpace)))
        {
            yield return "Ocm:Identity:Oidc:Scopes must be single words (one scope per entry), e.g. [\"profile\", \"email\", \"groups\"].";
        }

        if (RequiredClaim is not null && Requirement is null)
        {
            yield return $"Ocm:Identity:Oidc:RequiredClaim must look like claim=value, not '{RequiredClaim}'.";
        }

        foreach (var (name, value) in new[] { ("UserNameClaim", UserNameClaim), ("DisplayNameClaim", DisplayNameClaim), ("EmailClaim", EmailClaim), ("GroupsClaim", GroupsClaim) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return $"Ocm:Identity:Oidc:{name} must name a claim.";
            }
        }
    }
}

/// <summary>
/// Section <c>Ocm:Identity:LocalSignIn</c>: whether accounts may sign in to the web interface with their own password. A campus that signs
/// in through its provider turns it off, keeping a few named admins who can still sign in when the provider is down.
/// App passwords (sync clients, scripts) are not affected.
/// </summary>
internal sealed record LocalSignInOptions
{
    public const string Section = "Ocm:Identity:LocalSignIn";

    /// <summary>Accounts may sign in with their own password: the web interface, and Basic auth for WebDAV and the API (Identity/LocalSignIn.cs). Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>With <see cref="Enabled"/> false: the admins (by user name) who still may, e.g. <c>["admin"]</c>. Default none.</summary>
    public string[] BreakGlassAdmins { get; init; } = [];

    /// <summary>
    /// Whether <paramref name="userName"/> (an admin when <paramref name="isAdmin"/>) may sign in with a local password.
    /// Directory (LDAP) accounts sign in with their directory password whatever this says.
    /// </summary>
    public bool Allows(string userName, bool isAdmin) =>
        Enabled || (isAdmin && BreakGlassAdmins.Any(a => string.Equals(a, userName, StringComparison.OrdinalIgnoreCase)));

    public IEnumerable<string> Validate(OidcOptions oidc, Ldap.LdapOptions ldap)
    {
        if (!Enabled && !oidc.Enabled && !ldap.Enabled && BreakGlassAdmins.Length == 0)
        {
            yield return "Ocm:Identity:LocalSignIn:Enabled is false, but no Ocm:Identity:Oidc:Authority, no Ocm:Identity:Ldap:Url and no Ocm:Identity:LocalSignIn:BreakGlassAdmins are set: nobody could sign in.";
        }
    }
}
