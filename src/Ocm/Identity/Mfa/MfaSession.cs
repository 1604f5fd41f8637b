using System.Security.Claims;

namespace Ocm.Identity.Mfa;

/// <summary>
/// What the web session records about the second factor, as claims of the session cookie that
/// <see cref="Ui.UiSession"/> carries from request to request: which factor was used (<c>totp</c>, <c>recovery</c>, or
/// <c>provider</c> for the identity provider's own), for rules that need to know how a user signed in (OCM's <c>must-use-mfa</c>), or that the user
/// must still enrol.
/// </summary>
internal static class MfaSession
{
    /// <summary>The second factor this session passed; absent when none was used.</summary>
    public const string FactorClaim = "ocm:mfa";

    /// <summary>The <see cref="FactorClaim"/> of a provider sign-in whose <c>acr</c>/<c>amr</c> counts as a second factor (<c>Ocm:Identity:Oidc:MfaAcrValues</c>, <c>MfaAmrValues</c>).</summary>
    public const string ProviderFactor = "provider";

    /// <summary>The user must use a second factor but has none yet: only enrolment and sign-out are open.</summary>
    public const string MustEnrolClaim = "ocm:mfa-enrol";

    public static bool IsMfaClaim(Claim claim) => claim.Type is FactorClaim or MustEnrolClaim;

    public static bool UsedMfa(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == FactorClaim);

    public static bool MustEnrol(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == MustEnrolClaim);
}
