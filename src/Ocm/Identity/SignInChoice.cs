using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Identity.Oidc;
using Ocm.Ui;

namespace Ocm.Identity;

/// <summary>
/// The ways to sign in, as the sign-in page shows them: the identity provider's button (to <c>/ui/login/oidc</c>) and
/// the password form — folded away as "administrator sign-in" when local password sign-in is off for all but the
/// break-glass admins, unless an LDAP directory's accounts sign in with it too. Also the account page's section for
/// linking a local account to the provider.
/// </summary>
internal static class SignInChoice
{
    /// <summary>The sign-in page's choices around <paramref name="passwordForm"/>.</summary>
    public static Html Render(UiRequest ui, string? returnUrl, Html passwordForm)
    {
        var services = ui.Http.RequestServices;
        var oidc = services.GetService<OidcOptions>() ?? new OidcOptions();
        var local = services.GetService<LocalSignInOptions>() ?? new LocalSignInOptions();
        var ldap = services.GetService<Ldap.LdapOptions>() ?? new Ldap.LdapOptions();
        if (!oidc.Enabled)
        {
            return ldap.Enabled
                ? Html.Of($"<p class=\"muted\" id=\"directory-hint\">Sign in with the user name and password of your organisation's directory account.</p>{passwordForm}")
                : passwordForm;
        }

        var href = ui.Urls.Action("login/oidc") + (UiUrls.IsLocal(returnUrl) ? "?returnUrl=" + Uri.EscapeDataString(returnUrl!) : "");
        var button = Html.Of($"""
            <p class="sign-in-choice"><a class="button" id="sign-in-oidc" href="{href}">Sign in with {oidc.DisplayName}</a></p>
            """);
        if (ldap.Enabled)
        {
            return Html.Of($"{button}<p class=\"muted\" id=\"or-password\">Or with the user name and password of your organisation's directory account:</p>{passwordForm}");
        }

        return local.Enabled
            ? Html.Of($"{button}<p class=\"muted\" id=\"or-password\">Or with a user name and password of this server:</p>{passwordForm}")
            : Html.Of($"{button}<details id=\"break-glass\"><summary>Administrator sign-in with a password</summary>{passwordForm}</details>");
    }

    /// <summary>
    /// The identity provider's origin for CSP <c>form-action</c>, which also governs where a form's answer may redirect:
    /// signing out (RP-initiated logout) and linking an account are forms answered with a redirect to the provider.
    /// </summary>
    public static string FormRedirectTargets(HttpContext context) =>
        context.RequestServices.GetService<OidcOptions>() is { Enabled: true } oidc && Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority)
            ? " " + authority.GetLeftPart(UriPartial.Authority)
            : "";

    /// <summary>The account page's "identity provider" section: linked or not, and the button that links.</summary>
    public static async Task<Html> AccountSectionAsync(UiRequest ui, CancellationToken cancellationToken)
    {
        var services = ui.Http.RequestServices;
        if (services.GetService<OidcOptions>() is not { Enabled: true } oidc)
        {
            return Html.Empty;
        }

        var db = services.GetRequiredService<OcmDb>();
        var userId = ui.User.Id;
        var links = await db.Set<ExternalLogin>().AsNoTracking().Where(l => l.UserId == userId).OrderBy(l => l.Id).ToListAsync(cancellationToken);
        var state = links.Count == 0
            ? Html.Of($"<p id=\"oidc-link-state\">This account is not linked to {oidc.DisplayName}. Link it to sign in with the identity provider from now on; you sign in there once to confirm it is yours.</p>{ui.Form(ui.Urls.Action("account/oidc/link"), Html.Raw("<button type=\"submit\" id=\"link-oidc\">Link to the identity provider</button>"), id: "link-oidc-form")}")
            : Html.Of($"<p id=\"oidc-link-state\">Linked to {oidc.DisplayName} ({links[0].Issuer}) since {UiFormat.Time(links[0].Created)}; last sign-in there {UiFormat.Time(links[0].LastSignIn)}.</p>");
        return Html.Of($"""
            <section aria-labelledby="oidc-title">
            <h2 id="oidc-title">Identity provider</h2>
            {state}
            </section>
            """);
    }
}
