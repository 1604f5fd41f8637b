using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Discovery;
using Ocm.Shares;
using Ocm.Ui;
using Ocm.Users;

namespace Ocm.Identity.Mfa;

/// <summary>
/// Whether this server honours OCM's <c>must-use-mfa</c> share requirement. The <c>enforce-mfa</c> capability means
/// "as Receiving Server, will apply a Sending Server's <c>must-use-mfa</c> requirement" (OCM §OCM API Discovery ›
/// Capabilities, and Appendix A): a promise about received shares, not about who must enrol. So it is advertised
/// whenever we can keep it — a second factor exists for every account here (TOTP, or the provider's own when
/// <c>Ocm:Identity:Oidc:MfaAcrValues</c>/<c>MfaAmrValues</c> say so), and the web interface where it is entered is on —
/// unless the operator turns it off with <c>Ocm:Identity:Mfa:EnforceForShares=false</c>, in which case such shares
/// are refused as ones with a requirement we cannot honour (OCM §Share Creation Notification: MUST reject).
/// </summary>
internal sealed class MfaShareEnforcement(MfaOptions options, UiOptions ui)
{
    public bool Enabled { get; } = options.EnforceForShares && ui.Enabled;
}

/// <summary>Advertises <c>enforce-mfa</c> when <see cref="MfaShareEnforcement.Enabled"/> (see there for why).</summary>
internal sealed class MfaDiscoveryContributor(MfaShareEnforcement enforcement) : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server)
    {
        if (enforcement.Enabled)
        {
            document.WithCapability(OcmCapabilities.EnforceMfa);
        }
    }
}

/// <summary>
/// The one rule for opening a received share that carries <c>must-use-mfa</c> (OCM Appendix A: the receiver MUST NOT
/// give access to a Receiving Party that has not presented a second factor): a web session must have passed one
/// (<see cref="MfaSession"/>), and WebDAV, sync clients and scripts must use an app password created in such a
/// session (<see cref="AppPassword.CreatedWithMfa"/>). The account password over Basic never counts. Every surface
/// that opens a received share asks here: the web pages and the <c>Shared with me</c> WebDAV folder.
/// </summary>
internal sealed class MfaShareAccess(OcmDb db)
{
    /// <summary>Whether the current request comes from a two-factor sign-in (a session that passed one, or an app password made in one).</summary>
    public async Task<bool> UsedMfaAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        if (user.AppPasswordId is long appPasswordId)
        {
            return await db.Set<AppPassword>().AnyAsync(a => a.Id == appPasswordId && a.UserId == user.Id && a.CreatedWithMfa, cancellationToken);
        }

        return context.User.UsedMfa();
    }

    /// <summary>Null when <paramref name="share"/> may be opened by this request; otherwise why not, in words for the user.</summary>
    public async Task<string?> RefusalAsync(HttpContext context, ReceivedShare share, CancellationToken cancellationToken)
    {
        if (!share.MustUseMfa || await UsedMfaAsync(context, cancellationToken))
        {
            return null;
        }

        var start = $"'{share.Name}' requires multi-factor authentication: {share.SenderHost} shares it only with users who signed in with a second factor.";
        return context.GetSignedInUser().AppPasswordId is not null
            ? start + " This app password was created without two-factor sign-in; create an app password after signing in with two-factor, or open the share in the web interface."
            : context.User.Identity?.AuthenticationType == UiSession.Scheme
            ? start + " You signed in without it. Set up two-factor authentication on your account page, then sign in again."
            : start + " Sign in to the web interface with two-factor and create an app password there.";
    }
}
