using System.Security.Claims;

namespace Ocm.Identity.Mfa;

/// <summary>
/// What the web session records about the second factor, as claims of the session cookie that
/// <see cref="Ui.UiSession"/> carries from request to request: which factor was used (<c>totp</c> or
/// <c>recovery</c>), for rules that need to know how a user signed in (OCM's <c>must-use-mfa</c>), or that the user
/// must still enrol.
/// </summary>
internal static class MfaSession
{
    /// <summary>The second factor this session passed; absent when none was used.</summary>
    public const string FactorClaim = "ocm:mfa";

    /// <summary>The user must use a second factor but has none yet: only enrolment and sign-out are open.</summary>
    public const string MustEnrolClaim = "ocm:mfa-enrol";

    public static bool IsMfaClaim(Claim claim) => claim.Type is FactorClaim or MustEnrolClaim;

    public static bool UsedMfa(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == FactorClaim);

    public static bool MustEnrol(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == MustEnrolClaim);
}
