using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Ui;
using Ocm.Users;

namespace Ocm.Identity.Mfa;

/// <summary>
/// What happens once the first factor (the password) was accepted: a user with TOTP is asked for a code before the
/// session starts; a user who must use a second factor and has none gets a session that only reaches enrolment;
/// everyone else is signed in. Between password and code, who signed in is carried in a short-lived cookie sealed
/// with Data Protection (whose keys every node shares), never in server memory.
/// </summary>
internal sealed class SignInCompletion(OcmDb db, TwoFactor twoFactor, UiOptions uiOptions, MfaOptions options, IDataProtectionProvider protection, TimeProvider time)
{
    public const string PendingCookie = "ocm_mfa_pending";
    private const string ProtectorPurpose = "Ocm.Identity.Mfa.PendingSignIn";

    /// <summary>
    /// After the password of <paramref name="userId"/> (or the identity provider) was accepted: the response to the
    /// sign-in. <paramref name="idToken"/>: the provider's ID token, kept in the session that starts (in the protected
    /// pending cookie meanwhile) for the <c>id_token_hint</c> of RP-initiated logout.
    /// </summary>
    public async Task<IResult> AfterPasswordAsync(HttpContext context, long userId, bool remember, string? returnUrl, CancellationToken cancellationToken, string? idToken = null)
    {
        var urls = UiUrls.For(context);
        if (await twoFactor.IsEnrolledAsync(userId, cancellationToken))
        {
            var version = await db.Set<User>().AsNoTracking().Where(u => u.Id == userId).Select(u => u.CredentialsVersion).SingleAsync(cancellationToken);
            var pending = new PendingSignIn(userId, version, remember, UiUrls.IsLocal(returnUrl) ? returnUrl : null, idToken);
            context.Response.Cookies.Append(PendingCookie, Protector().Protect(pending.Serialize(), TimeSpan.FromMinutes(options.CodeEntryMinutes)), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                Path = urls.Base,
                MaxAge = TimeSpan.FromMinutes(options.CodeEntryMinutes),
            });
            return UiRequest.Redirect(urls.Action(TwoFactorPages.CodePath));
        }

        if (await twoFactor.IsRequiredAsync(userId, cancellationToken))
        {
            await StartSessionAsync(context, userId, remember, new Claim(MfaSession.MustEnrolClaim, "totp"), idToken, cancellationToken);
            return UiRequest.For(context).Redirect(urls.Action(TwoFactorPages.EnrolPath), FlashKind.Error,
                "This server requires two-factor authentication. Set up an authenticator app to continue.");
        }

        await StartSessionAsync(context, userId, remember, extra: null, idToken, cancellationToken);
        return UiRequest.Redirect(UiUrls.IsLocal(returnUrl) ? returnUrl! : urls.Home);
    }

    /// <summary>The sign-in waiting for its code, if the cookie is there, unexpired, and the user's credentials unchanged since.</summary>
    public async Task<PendingSignIn?> PendingAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.Request.Cookies.TryGetValue(PendingCookie, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        PendingSignIn? pending;
        try
        {
            pending = PendingSignIn.Parse(Protector().Unprotect(value, out _));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        if (pending is null)
        {
            return null;
        }

        var current = await db.Set<User>().AsNoTracking().Where(u => u.Id == pending.UserId && !u.Disabled).Select(u => (int?)u.CredentialsVersion).FirstOrDefaultAsync(cancellationToken);
        return current == pending.CredentialsVersion ? pending : null;
    }

    /// <summary>The code was right: the session starts, recording the factor used.</summary>
    public async Task<IResult> AfterSecondFactorAsync(HttpContext context, PendingSignIn pending, SecondFactorCheck factor, CancellationToken cancellationToken)
    {
        var urls = UiUrls.For(context);
        context.Response.Cookies.Delete(PendingCookie, new CookieOptions { Path = urls.Base });
        await StartSessionAsync(context, pending.UserId, pending.Remember, FactorClaim(factor), pending.IdToken, cancellationToken);
        if (factor == SecondFactorCheck.RecoveryCode)
        {
            return UiRequest.For(context).Redirect(urls.Action(TwoFactorPages.EnrolPath), FlashKind.Success,
                "Signed in with a recovery code, which is now used up. Check how many you have left.");
        }

        return UiRequest.Redirect(pending.ReturnUrl ?? urls.Home);
    }

    /// <summary>Replaces the current session by one that passed <paramref name="factor"/> (after enrolling, the first code counts).</summary>
    public async Task UpgradeSessionAsync(HttpContext context, SecondFactorCheck factor, CancellationToken cancellationToken)
    {
        var current = await context.AuthenticateAsync(UiSession.Scheme);
        var user = context.GetSignedInUser();
        await StartSessionAsync(context, user.Id, current.Properties?.IsPersistent == true, FactorClaim(factor), current.Properties?.GetTokenValue(Oidc.OidcSignIn.IdToken), cancellationToken);
    }

    private static Claim FactorClaim(SecondFactorCheck factor) =>
        new(MfaSession.FactorClaim, factor == SecondFactorCheck.RecoveryCode ? "recovery" : "totp");

    private async Task StartSessionAsync(HttpContext context, long userId, bool remember, Claim? extra, string? idToken, CancellationToken cancellationToken)
    {
        var user = await db.Set<User>().AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Name, u.PasswordHash, u.IsAdmin })
            .SingleAsync(cancellationToken);
        var now = time.GetUtcNow();
        var properties = new AuthenticationProperties
        {
            IsPersistent = remember,
            IssuedUtc = now,
            ExpiresUtc = remember ? now.AddDays(uiOptions.RememberMeDays) : now.AddMinutes(uiOptions.SessionMinutes),
            AllowRefresh = true,
        };
        if (!string.IsNullOrEmpty(idToken))
        {
            properties.StoreTokens([new AuthenticationToken { Name = Oidc.OidcSignIn.IdToken, Value = idToken }]);
        }

        var principal = UiSession.CreatePrincipal(userId, user.Name, user.PasswordHash, user.IsAdmin, extra is null ? [] : [extra]);
        await context.SignInAsync(UiSession.Scheme, principal, properties);
    }

    private ITimeLimitedDataProtector Protector() => protection.CreateProtector(ProtectorPurpose).ToTimeLimitedDataProtector();
}

/// <summary>A sign-in whose password was accepted and whose code is awaited.</summary>
internal sealed record PendingSignIn(long UserId, int CredentialsVersion, bool Remember, string? ReturnUrl, string? IdToken = null)
{
    public string Serialize() => string.Join('\n',
        UserId.ToString(CultureInfo.InvariantCulture), CredentialsVersion.ToString(CultureInfo.InvariantCulture), Remember ? "1" : "0", ReturnUrl ?? "", IdToken ?? "");

    public static PendingSignIn? Parse(string text)
    {
        var parts = text.Split('\n');
        if (parts.Length != 5
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        return new PendingSignIn(id, version, parts[2] == "1", parts[3].Length == 0 ? null : parts[3], parts[4].Length == 0 ? null : parts[4]);
    }
}
