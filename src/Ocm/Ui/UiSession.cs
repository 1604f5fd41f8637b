using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Ui;

/// <summary>
/// The web interface's cookie session. The cookie (encrypted with the Data Protection key ring) carries the user id and
/// a stamp of the password hash; every request reads the user's row again, so a disabled account or a changed
/// password ends all sessions at once, and the admin right is always current. Revoking an app password does not end
/// web sessions (app passwords cannot sign in here).
/// </summary>
internal static class UiSession
{
    public const string Scheme = "OcmSession";
    public const string Policy = "ocm-ui";
    public const string AdminPolicy = "ocm-ui-admin";
    public const string CookieName = "ocm_session";

    private const string StampClaim = "ocm:stamp";
    private const string AdminClaim = "ocm:admin";

    /// <summary>The principal of a session: who, and a stamp of their current password hash.</summary>
    public static ClaimsPrincipal CreatePrincipal(long id, string name, string passwordHash, bool isAdmin, IEnumerable<Claim>? carried = null)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, name),
            new(StampClaim, Stamp(passwordHash)),
        ];
        if (isAdmin)
        {
            claims.Add(new Claim(AdminClaim, "true"));
        }

        // How the session was signed in (second factor used, or still to enrol) stays with it: Identity/Mfa/MfaSession.cs.
        claims.AddRange(carried?.Select(c => new Claim(c.Type, c.Value)) ?? []);
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.HasClaim(AdminClaim, "true");

    /// <summary>Cookie events: re-check the user on every request; answer scripts with 401/403 instead of a redirect.</summary>
    public static CookieAuthenticationEvents Events() => new()
    {
        OnValidatePrincipal = ValidateAsync,
        OnRedirectToLogin = context =>
        {
            if (WantsJson(context.Request))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }

            // Back to this very URL after signing in, query included (an invite link's token and providerDomain),
            // under the public base path, as every URL of the interface is.
            var urls = UiUrls.For(context.HttpContext);
            var server = context.HttpContext.RequestServices.GetRequiredService<Hosting.OcmServerInfo>();
            var here = server.Path(context.Request.Path.ToUriComponent()) + context.Request.QueryString.ToUriComponent();
            context.Response.Redirect(urls.Login(here));
            return Task.CompletedTask;
        },
        OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            if (WantsJson(context.Request))
            {
                return Task.CompletedTask;
            }

            var ui = UiRequest.For(context.HttpContext);
            return ui.Message(403, "Not allowed", "This page is for administrators of this server.").ExecuteAsync(context.HttpContext);
        },
    };

    /// <summary>Requests made by the page's scripts (uploads) want a status code, not a sign-in page.</summary>
    public static bool WantsJson(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("application/json", StringComparison.OrdinalIgnoreCase));

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal is null || !long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            await RejectAsync(context);
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().AsNoTracking()
            .Where(u => u.Id == id)
            .Select(u => new { u.Id, u.Name, u.DisplayName, u.QuotaBytes, u.PasswordHash, u.Disabled, u.IsAdmin })
            .FirstOrDefaultAsync(context.HttpContext.RequestAborted);
        if (user is null || user.Disabled || !string.Equals(principal.FindFirstValue(StampClaim), Stamp(user.PasswordHash), StringComparison.Ordinal))
        {
            await RejectAsync(context);
            return;
        }

        // The shares and received-shares logic reads the signed-in user from here, as it does for Basic.
        context.HttpContext.Features.Set(new SignedInUser(user.Id, user.Name, user.DisplayName, user.QuotaBytes, AppPasswordId: null));
        context.ReplacePrincipal(CreatePrincipal(user.Id, user.Name, user.PasswordHash, user.IsAdmin, principal.Claims.Where(Identity.Mfa.MfaSession.IsMfaClaim)));
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }

    /// <summary>A short digest of the password hash: changes when the password does, reveals nothing usable.</summary>
    private static string Stamp(string passwordHash) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("ocm-session-stamp\0" + passwordHash)), 0, 16);
}
